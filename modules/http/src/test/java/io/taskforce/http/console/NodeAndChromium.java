package io.taskforce.http.console;

import io.taskforce.http.NodeScripts;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The tools of the console's checks: Node.js (the machine's {@code node}), the npm packages of
 * {@code src/test/console-e2e} ({@code npm ci --prefix modules/http/src/test/console-e2e}, as
 * {@code .ci/run} does) and Debian's Chromium. A test that misses one is skipped, saying how to install it.
 */
final class NodeAndChromium {
  static final Path DIR = Path.of("src/test/console-e2e").toAbsolutePath();
  static final Path MODULES = DIR.resolve("node_modules");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final String NPM_CI = "npm ci --prefix modules/http/src/test/console-e2e";

  private NodeAndChromium() {}

  /** The {@code node} on the PATH, if any. */
  static Optional<Path> node() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "node");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) return Optional.of(candidate);
    }
    return Optional.empty();
  }

  static Path assumeNodePackage(String name) {
    Optional<Path> node = node();
    assumeTrue(node.isPresent(), "skipped: no `node` on the PATH (Node.js 20 or later is needed)");
    assumeTrue(Files.isDirectory(MODULES.resolve(name)),
        "skipped: the npm package " + name + " is not installed in " + MODULES + "; run `" + NPM_CI + "`");
    return node.get();
  }

  static void assumeChromium() {
    assumeTrue(Files.isExecutable(CHROMIUM),
        "skipped: no Chromium at " + CHROMIUM + "; install Debian's with `apt-get install -y chromium`");
  }

  /** Runs {@code node args...} in {@link #DIR}; its combined output also goes to {@code log}. */
  static NodeScripts.Run run(Path node, Path log, long timeoutSeconds, List<String> args) {
    return run(node, log, timeoutSeconds, args, line -> {});
  }

  /** The same, each line of the output also to {@code onLine} while it runs. */
  static NodeScripts.Run run(Path node, Path log, long timeoutSeconds, List<String> args, Consumer<String> onLine) {
    return NodeScripts.run(node, DIR, log, timeoutSeconds, args, onLine);
  }

  private static void assumeTrue(boolean present, String message) {
    NodeScripts.requireTool(present, message);
  }
}
