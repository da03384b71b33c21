package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Work pulling: nodes with 1, 1 and 10 slots run 12 long tasks dispatched through node 0 all at
 * once. Sharding spreads the task entities over the nodes by id, so with each node running only
 * the tasks it hosts, the two small nodes would hold most of theirs back (about 6 would run).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintNodeLogsOnFailure.class)
class WorkPullingTest {
  private static final int[] MAX_RUNNING = {1, 1, 10};
  private static final int TASKS = 12;

  private TestCluster cluster;
  private Api api;

  @BeforeAll
  void startCluster() {
    TestCluster.Builder builder = TestCluster.builder(getClass()).nodes(3);
    for (int i = 0; i < 3; i++) builder.env(i, "TASKFORCE_MAX_RUNNING", Integer.toString(MAX_RUNNING[i]));
    cluster = builder.start();
    api = cluster.api();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  void twelveLongTasksRunAtOnceOnNodesWithOneOneAndTenSlots() throws Exception {
    Path runs = Files.createDirectories(cluster.dir().resolve("runs"));
    api.createSession(cluster.node(0), "f-session", 20).expect(201);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      String id = "f-task-" + i;
      ids.add(id);
      Api.Reply reply = api.dispatch(cluster.node(0), "f-session", Api.processTask(id, "sleep 20", 1, runs));
      assertEquals(202, reply.status(), reply.body());
    }
    long dispatched = System.nanoTime();
    AtomicInteger most = new AtomicInteger();
    try {
      Await.untilTrue("all " + TASKS + " tasks running at once", Duration.ofSeconds(30), Duration.ofMillis(500), () -> {
        int running = 0;
        List<String> others = new ArrayList<>();
        for (String id : ids) {
          JsonNode task = api.task(cluster.node(0), id);
          if (task.path("status").asText().equals("running")) running++;
          else others.add(id + "=" + task.path("status").asText());
        }
        most.accumulateAndGet(running, Math::max);
        assertEquals(List.of(), others, running + " running");
        return true;
      });
      long allRunning = Await.millisSince(dispatched);
      // Where their processes run: never more than a node's slots.
      Map<Integer, Integer> perNode = Await.until("every running task's process started", Duration.ofSeconds(10),
          Duration.ofMillis(200), () -> {
            Map<Integer, Integer> counts = new TreeMap<>();
            for (String id : ids) {
              List<String> lines = Api.runs(runs, id);
              if (lines.isEmpty()) return null;
              assertEquals(1, lines.size(), id + " ran " + lines);
              counts.merge(Api.nodeOf(lines.get(0)), 1, Integer::sum);
            }
            return counts;
          });
      System.out.println("[WorkPullingTest] all " + TASKS + " running " + allRunning + " ms after the dispatch; processes per node: " + perNode);
      for (int i = 0; i < 3; i++) {
        assertTrue(perNode.getOrDefault(i, 0) <= MAX_RUNNING[i], "node-" + i + " runs " + perNode.get(i) + " > " + MAX_RUNNING[i]);
      }
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + " (at most " + most.get() + " of " + TASKS + " were running at once)", e);
    } finally {
      // Cancelled, not left to run: the nodes then stop at once.
      for (String id : ids) {
        try {
          api.post(cluster.node(1), "/v1/tasks/" + id + "/cancel", "{}");
        } catch (UncheckedIOException e) {
          // the test has failed already
        }
      }
    }
    Map<String, JsonNode> ended = api.awaitFinal(cluster.node(2), ids, Duration.ofSeconds(30));
    ended.forEach((id, task) -> assertEquals("cancelled", task.path("status").asText(), task.toString()));
  }
}
