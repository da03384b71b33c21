package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM drains a node (TASKFORCE_DRAIN_SECONDS=10): an attempt that ends within the drain ends
 * there, in its first attempt; one that does not is handed over at the end of the drain and
 * re-run on another node without counting as an attempt; nothing new starts on the draining node;
 * the node then exits 0.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintNodeLogsOnFailure.class)
class DrainTest {
  private static final int DRAIN_SECONDS = 10;
  /** Longer than the drain by far, so it cannot end within it. */
  private static final int LONG_SECONDS = 30;

  private TestCluster cluster;
  private Api api;

  @BeforeAll
  void startCluster() {
    cluster = TestCluster.builder(getClass()).nodes(3)
        .env("TASKFORCE_DRAIN_SECONDS", Integer.toString(DRAIN_SECONDS))
        .env("TASKFORCE_MAX_RUNNING", "6")
        .start();
    api = cluster.api();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  void aDrainingNodeFinishesShortAttemptsHandsLongOnesOverAndExitsZero() throws Exception {
    Path runs = Files.createDirectories(cluster.dir().resolve("runs"));
    api.createSession(cluster.node(0), "g-session", 40).expect(201);

    // Long tasks first; the node that runs the most of them is the one to drain.
    List<String> longs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String id = "g-long-" + i;
      longs.add(id);
      String script = "echo \"long on $(pwd)\"; sleep " + LONG_SECONDS + "; echo \"long done on $(pwd)\"";
      assertEquals(202, api.dispatch(cluster.node(0), "g-session", Api.processTask(id, script, 1, runs)).status());
    }
    Map<String, Integer> longOn = awaitStarted(runs, longs);
    Map<Integer, Integer> longsPerNode = new TreeMap<>();
    longOn.values().forEach(n -> longsPerNode.merge(n, 1, Integer::sum));
    int x = longsPerNode.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    ClusterNode draining = cluster.node(x);
    ClusterNode client = cluster.node((x + 1) % 3);

    // Short tasks (10 lines of progress over 5 s) until at least one runs on that node.
    List<String> shorts = new ArrayList<>();
    Map<String, Integer> shortOn = new TreeMap<>();
    for (int batch = 0; batch < 5 && !shortOn.containsValue(x); batch++) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String id = "g-short-" + batch + "-" + i;
        ids.add(id);
        String script = "for i in $(seq 1 10); do echo \"::progress $((i * 10)) short $i on $(pwd)\"; sleep 0.5; done";
        assertEquals(202, api.dispatch(client, "g-session", Api.processTask(id, script, 1, runs)).status());
      }
      shorts.addAll(ids);
      shortOn.putAll(awaitStarted(runs, ids));
    }
    List<String> shortsThere = shortOn.entrySet().stream().filter(e -> e.getValue() == x).map(Map.Entry::getKey).toList();
    List<String> longsThere = longOn.entrySet().stream().filter(e -> e.getValue() == x).map(Map.Entry::getKey).toList();
    assertTrue(!shortsThere.isEmpty(), "no short task ran on " + draining.name() + " after 5 batches: " + shortOn);

    Instant sigtermAt = Instant.now();
    long sigterm = System.nanoTime();
    draining.sigterm();
    System.out.println("[DrainTest] SIGTERM " + draining.name() + " running long " + longsThere + " and short " + shortsThere);

    // While it drains, new work starts elsewhere.
    List<String> during = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = "g-during-" + i;
      during.add(id);
      assertEquals(202, api.dispatch(client, "g-session", Api.processTask(id, "echo \"during on $(pwd)\"", 1, runs)).status());
    }

    Optional<Integer> exit = draining.awaitExit(Duration.ofSeconds(DRAIN_SECONDS + 60));
    long exitMillis = Await.millisSince(sigterm);
    Instant exitedBy = Instant.now();
    System.out.println("[DrainTest] " + draining.name() + " exited " + exit.orElse(null) + " " + exitMillis + " ms after SIGTERM");
    assertEquals(Optional.of(0), exit, "exit status");

    List<String> all = new ArrayList<>(longs);
    all.addAll(shorts);
    all.addAll(during);
    Map<String, JsonNode> tasks = api.awaitFinal(client, all, Duration.ofSeconds(LONG_SECONDS + 90));
    long allDoneMillis = Await.millisSince(sigterm);
    for (String id : all) {
      JsonNode task = tasks.get(id);
      assertEquals("completed", task.path("status").asText(), task.toString());
      assertEquals(1, task.path("attempt").asInt(), "a hand-over is not an attempt: " + task);
    }
    // The short attempts on the draining node ended there, before it exited, and ran once.
    List<String> drained = shortsThere.stream()
        .filter(id -> Instant.parse(tasks.get(id).path("finishedAt").asText()).isAfter(sigtermAt)).toList();
    assertTrue(!drained.isEmpty(), "every short task on " + draining.name() + " had ended before the SIGTERM: " + shortsThere);
    for (String id : shortsThere) {
      List<String> ran = Api.runs(runs, id);
      assertEquals(1, ran.size(), id + " ran " + ran);
      JsonNode task = tasks.get(id);
      String stdout = task.path("result").path("stdoutTail").asText();
      assertTrue(stdout.contains("short 10 on "), stdout);
      assertEquals(x, Api.nodeOf(stdout), id + " finished on node-" + Api.nodeOf(stdout) + ": " + stdout);
      assertTrue(Instant.parse(task.path("finishedAt").asText()).isBefore(exitedBy), task.toString());
    }
    // The long ones there were handed over and re-run from the start elsewhere.
    for (String id : longsThere) {
      List<String> ran = Api.runs(runs, id);
      assertEquals(2, ran.size(), id + " ran " + ran);
      assertEquals(x, Api.nodeOf(ran.get(0)), id + " ran " + ran);
      assertNotEquals(x, Api.nodeOf(ran.get(1)), id + " ran " + ran);
      String stdout = tasks.get(id).path("result").path("stdoutTail").asText();
      assertTrue(stdout.contains("long done on "), stdout);
      assertNotEquals(x, Api.nodeOf(stdout), stdout);
    }
    // Everything else ran once, and nothing started on the draining node after the SIGTERM.
    for (String id : all) {
      if (longsThere.contains(id)) continue;
      assertEquals(1, Api.runs(runs, id).size(), id + " ran " + Api.runs(runs, id));
    }
    for (String id : during) assertNotEquals(x, Api.nodeOf(Api.runs(runs, id).get(0)), id + " started on the draining node");
    System.out.println("[DrainTest] every task completed " + allDoneMillis + " ms after SIGTERM; handed over: " + longsThere.size()
        + ", finished while draining: " + drained.size());
  }

  /** Waits until each task's process has started (its runs line); answers the node each runs on. */
  private static Map<String, Integer> awaitStarted(Path runs, List<String> ids) {
    return Await.until(ids.size() + " tasks' processes started", Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
      Map<String, Integer> on = new TreeMap<>();
      for (String id : ids) {
        List<String> lines = Api.runs(runs, id);
        if (lines.isEmpty()) return null;
        on.put(id, Api.nodeOf(lines.get(lines.size() - 1)));
      }
      return on;
    });
  }
}
