package io.taskforce.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs the Node.js scripts of the http module's tests (the MCP client checks, the console's browser test). */
public final class NodeScripts {
  private NodeScripts() {}

  /** The result of a finished script: its exit code and its combined output. */
  public record Run(int exitCode, String output) {}

  /**
   * Runs {@code node args...} in {@code dir}; its combined output goes to {@code log}, and each
   * line of it to {@code onLine} while it runs (a script asks the test for something that way).
   */
  public static Run run(Path node, Path dir, Path log, long timeoutSeconds, List<String> args, Consumer<String> onLine) {
    List<String> command = new ArrayList<>();
    command.add(node.toString());
    command.addAll(args);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
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
  public static void requireTool(boolean present, String message) {
    if ("1".equals(System.getenv("TASKFORCE_REQUIRE_NODE_TESTS"))) {
      org.junit.jupiter.api.Assertions.assertTrue(present, message.replaceFirst("^skipped: ", ""));
    } else {
      org.junit.jupiter.api.Assumptions.assumeTrue(present, message);
    }
  }
}
