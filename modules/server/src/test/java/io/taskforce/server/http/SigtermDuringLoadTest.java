package io.taskforce.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a real process ({@code taskforce server}): SIGTERM in the middle of a dispatch load
 * stops it with exit status 0, and after a restart on the same data directory every dispatch that
 * was answered 202 is a task that exists.
 */
class SigtermDuringLoadTest {
  private static final String TOKEN = "tf-sigterm-test-token-0001";
  private static final int THREADS = 6;
  private static final int ACCEPTED_BEFORE_SIGTERM = 60;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();

  @Test
  void sigtermDuringDispatchLoadExitsZeroAndEveryAcceptedDispatchSurvivesARestart() throws Exception {
    Path dataDir = dir.resolve("data");
    int port = freePort();
    Process first = startServer(dataDir, port, dir.resolve("first.log"));
    Queue<String> accepted = new ConcurrentLinkedQueue<>();
    Map<String, Integer> otherAnswers = new ConcurrentHashMap<>();
    AtomicBoolean stopLoad = new AtomicBoolean();
    ExecutorService load = Executors.newFixedThreadPool(THREADS);
    try {
      awaitUp(first, dir.resolve("first.log"));
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        workers.add(load.submit(() -> dispatchUntilStopped(port, thread, accepted, otherAnswers, stopLoad)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (accepted.size() < ACCEPTED_BEFORE_SIGTERM) {
        assertTrue(System.nanoTime() < deadline, "only " + accepted.size() + " dispatches accepted in 60 s: " + otherAnswers);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }

      long sigterm = System.nanoTime();
      first.destroy(); // SIGTERM, while the workers go on dispatching

      assertTrue(first.waitFor(60, TimeUnit.SECONDS), "the server did not stop within 60 s of SIGTERM");
      long stopMillis = (System.nanoTime() - sigterm) / 1_000_000;
      assertEquals(0, first.exitValue(), () -> "exit status; its log:\n" + tail(dir.resolve("first.log")));
      stopLoad.set(true);
      for (Future<?> worker : workers) worker.get(30, TimeUnit.SECONDS);
      System.out.println("SIGTERM test: stopped in " + stopMillis + " ms; " + accepted.size() + " dispatches accepted; other answers: " + new TreeMap<>(otherAnswers));
    } finally {
      stopLoad.set(true);
      load.shutdownNow();
      if (first.isAlive()) first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    int secondPort = freePort();
    Process second = startServer(dataDir, secondPort, dir.resolve("second.log"));
    try {
      awaitUp(second, dir.resolve("second.log"));
      List<String> missing = new ArrayList<>();
      for (String taskId : accepted) {
        HttpResponse<String> task = get(secondPort, "/v1/tasks/" + taskId);
        if (task.statusCode() != 200) missing.add(taskId + " -> " + task.statusCode());
      }
      assertEquals(List.of(), missing,
          "dispatches answered 202 before the SIGTERM (" + accepted.size() + ") that do not exist after the restart; "
              + "other answers during the load: " + new TreeMap<>(otherAnswers));
    } finally {
      second.destroy();
      if (!second.waitFor(60, TimeUnit.SECONDS)) second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void dispatchUntilStopped(int port, int thread, Queue<String> accepted, Map<String, Integer> others,
      AtomicBoolean stop) {
    for (int n = 0; !stop.get(); n++) {
      String taskId = "sig-" + thread + "-" + n;
      String spec = "{\"id\":\"" + taskId + "\",\"executor\":\"process\",\"input\":{\"command\":[\"true\"]}}";
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/sessions/sig-s" + (thread % 3) + "/tasks"))
          .header("Authorization", "Bearer " + TOKEN)
          .header("Content-Type", "application/json")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(spec))
          .build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 202) accepted.add(taskId);
        else others.merge(Integer.toString(response.statusCode()), 1, Integer::sum);
      } catch (IOException e) {
        others.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the server is gone: do not spin
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private Process startServer(Path dataDir, int port, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java,
        "-Dpekko.actor.provider=cluster",
        "-Dpekko.remote.artery.canonical.port=0",
        "-Dpekko.remote.artery.canonical.hostname=127.0.0.1",
        "-cp", classPath(),
        "io.taskforce.server.Main", "server")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("TASKFORCE_"));
    env.put("TASKFORCE_DATA_DIR", dataDir.toString());
    env.put("TASKFORCE_HTTP_PORT", Integer.toString(port));
    env.put("TASKFORCE_MGMT_PORT", "0");
    env.put("TASKFORCE_TOKEN", TOKEN);
    env.put("TASKFORCE_MAX_RUNNING", "8");
    return builder.start();
  }

  /** The test class path (Surefire may run the tests from a manifest-only jar). */
  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  private static void awaitUp(Process server, Path log) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      String printed = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (printed.contains("Taskforce is up")) return;
      if (!server.isAlive()) throw new AssertionError("the server exited (" + server.exitValue() + "):\n" + printed);
      if (System.nanoTime() > deadline) throw new AssertionError("the server did not start within 90 s:\n" + printed);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
