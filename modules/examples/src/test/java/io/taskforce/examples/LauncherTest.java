package io.taskforce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start through the real launcher: {@code ./taskforce server}, then the CLI
 * verbs {@code dispatch --wait}, {@code list} and {@code watch} against it, and a clean SIGTERM.
 * It runs in this module because the server's runnable layout exists only after its module was
 * packaged.
 */
class LauncherTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  private static final String TOKEN = "launcher-test-token-0123456789";

  @Test
  @Timeout(180)
  void theQuickStartWorksThroughTheLauncher(@TempDir Path dir) throws Exception {
    int port = freePort();
    Map<String, String> env = Map.of(
        "TASKFORCE_DATA_DIR", dir.resolve("data").toString(),
        "TASKFORCE_HTTP_PORT", Integer.toString(port),
        "TASKFORCE_REMOTE_PORT", "0",
        "TASKFORCE_MGMT_PORT", "0",
        "TASKFORCE_TOKEN", TOKEN,
        "TASKFORCE_URL", "http://127.0.0.1:" + port);
    Path serverLog = dir.resolve("server.log");
    ProcessBuilder serverBuilder = new ProcessBuilder(ROOT.resolve("taskforce").toString(), "server")
        .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(serverLog.toFile());
    serverBuilder.environment().putAll(env);
    Process server = serverBuilder.start();
    try {
      awaitLine(serverLog, "Taskforce is up", Duration.ofSeconds(90), server);

      // The subagent finishes once the test lets it (a file appears), so that `watch` has surely
      // started by then however busy the machine is, and shows the completion live.
      Path go = dir.resolve("go");
      Result dispatched = cli(env, "dispatch", "--session", "quick", "--title", "hello", "--",
          "bash", "-c", "echo working; while [ ! -e '" + go + "' ]; do sleep 0.1; done; echo hello from a subagent");
      assertEquals(0, dispatched.exit(), dispatched.toString());
      String taskId = dispatched.out().strip();

      Path watchLog = dir.resolve("watch.log");
      Process watch = start(env, watchLog, "watch", "quick", "--until-idle", "--plain");
      awaitLine(watchLog, "watching session quick", Duration.ofSeconds(60), watch);
      Files.createFile(go);
      assertTrue(watch.waitFor(60, TimeUnit.SECONDS), "watch did not end: " + Files.readString(watchLog));
      assertEquals(0, watch.exitValue(), Files.readString(watchLog));
      assertTrue(Files.readString(watchLog).contains("completed"), Files.readString(watchLog));

      Result result = cli(env, "result", "--wait", taskId);
      assertEquals(0, result.exit(), result.toString());
      assertTrue(result.out().contains("hello from a subagent"), result.toString());

      Result listed = cli(env, "list", "--session", "quick");
      assertEquals(0, listed.exit(), listed.toString());
      assertTrue(listed.out().contains("completed") && listed.out().contains("hello"), listed.toString());
    } finally {
      server.destroy(); // SIGTERM
      boolean stopped = server.waitFor(60, TimeUnit.SECONDS);
      if (!stopped) server.destroyForcibly();
      assertTrue(stopped, "the server did not stop within 60 s of SIGTERM");
    }
    assertEquals(0, server.exitValue(), Files.readString(serverLog));
  }

  record Result(int exit, String out) {}

  private static Process start(Map<String, String> env, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("taskforce").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  private static Result cli(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("taskforce").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("./taskforce " + String.join(" ", args) + " did not end within 60 s");
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static void awaitLine(Path log, String text, Duration deadline, Process process) throws IOException {
    long end = System.nanoTime() + deadline.toNanos();
    while (System.nanoTime() < end) {
      if (Files.exists(log) && Files.readString(log).contains(text)) return;
      if (!process.isAlive()) throw new AssertionError("the server exited: " + Files.readString(log));
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // polling a file another process writes
    }
    throw new AssertionError("no '" + text + "' within " + deadline + ": " + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
