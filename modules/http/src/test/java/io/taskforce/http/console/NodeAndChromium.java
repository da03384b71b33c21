package io.taskforce.http.console;



import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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

  record Run(int exitCode, String output) {}

  /** Runs {@code node args...} in {@link #DIR}; its combined output also goes to {@code log}. */
  static Run run(Path node, Path log, long timeoutSeconds, List<String> args) {
    return run(node, log, timeoutSeconds, args, line -> {});
  }

  /**
   * Runs {@code node args...} in {@link #DIR}; its combined output goes to {@code log}, and each line
   * of it to {@code onLine} while it runs (a script asks the test for something that way).
   */
  static Run run(Path node, Path log, long timeoutSeconds, List<String> args, Consumer<String> onLine) {
    List<String> command = new ArrayList<>();
    command.add(node.toString());
    command.addAll(args);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process process = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      process.getOutputStream().close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      int linesSeen = 0;
      boolean exited = false;
      while (!exited && System.nanoTime() < deadline) {
        exited = process.waitFor(200, TimeUnit.MILLISECONDS);
        String text = Files.readString(log, StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        int complete = text.endsWith("\n") || exited ? lines.size() : lines.size() - 1;
        for (; linesSeen < complete; linesSeen++) onLine.accept(lines.get(linesSeen));
      }
      if (!exited) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("node did not finish within " + timeoutSeconds + " s: " + command + "\n"
            + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Skips the test when {@code present} is false, unless CI asks for the Node-based tests
   * ({@code TASKFORCE_REQUIRE_NODE_TESTS=1}, set by .ci/run): there a missing tool fails it, so a
   * green run never hides a skipped browser or SDK check.
   */
  private static void assumeTrue(boolean present, String message) {
    if ("1".equals(System.getenv("TASKFORCE_REQUIRE_NODE_TESTS"))) {
      org.junit.jupiter.api.Assertions.assertTrue(present, message.replaceFirst("^skipped: ", ""));
    } else {
      org.junit.jupiter.api.Assumptions.assumeTrue(present, message);
    }
  }
}
