package io.taskforce.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.taskforce.Taskforce;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An operator drains node B of a two-node cluster: an attempt that finishes within the drain time
 * finishes on B; one that does not is handed over and re-runs on A without counting as an
 * attempt; B then leaves the cluster and stops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String TENANT = "default";

  private final String database = TestConfigs.createPostgresDatabase("taskforce_drain");
  /** Each attempt's gate, per task, in the order the attempts started. */
  private final Map<String, List<CompletableFuture<JsonNode>>> gates = new ConcurrentHashMap<>();
  private final Map<String, List<String>> ranOn = new ConcurrentHashMap<>();
  private Taskforce a;
  private Taskforce b;

  private TaskExecutor gate(String node) {
    return context -> {
      var gate = new CompletableFuture<JsonNode>();
      context.onCancel(() -> gate.completeExceptionally(new AttemptCancelledException()));
      gates.computeIfAbsent(context.taskId(), id -> new CopyOnWriteArrayList<>()).add(gate);
      ranOn.computeIfAbsent(context.taskId(), id -> new CopyOnWriteArrayList<>()).add(node);
      return gate;
    };
  }

  @AfterAll
  void stop() throws Exception {
    gates.values().forEach(list -> list.forEach(g -> g.complete(JsonNodeFactory.instance.objectNode())));
    for (Taskforce node : new Taskforce[] {b, a}) {
      if (node == null) continue;
      node.system().terminate();
      node.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    TestConfigs.dropPostgresDatabase(database);
  }

  @Test
  void aDrainedNodeFinishesWhatEndsInTimeHandsTheRestOverAndLeaves() throws Exception {
    a = Taskforce.builder(TestConfigs.postgres(database, TestConfigs.freshDataDir(), "taskforce.node.max-running = 1"))
        .executor("gate", gate("a")).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
    String seed = Cluster.get(a.system()).selfMember().address().toString();
    b = Taskforce.builder(TestConfigs.postgres(database, TestConfigs.freshDataDir(), String.join("\n",
            "taskforce.node.max-running = 2",
            "taskforce.node.drain-seconds = 3",
            "pekko.coordinated-shutdown.phases.before-service-unbind.timeout = 10s",
            "pekko.cluster.seed-nodes = [\"" + seed + "\"]")))
        .executor("gate", gate("b")).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
    String bAddress = Cluster.get(b.system()).selfMember().address().toString();
    awaitUntil("two nodes", () -> a.nodes().toCompletableFuture().join().size() == 2);
    a.createSession(TENANT, new SessionSpec("drain", null, 10, null)).toCompletableFuture().get(10, TimeUnit.SECONDS);

    // Three slots, three tasks: one runs on a, two on b.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(a.dispatch(TENANT, "drain", TaskSpec.of("gate", null).withId("d-" + i))
          .toCompletableFuture().get(10, TimeUnit.SECONDS).task().id());
    }
    awaitUntil("three attempts started", () -> ids.stream().allMatch(id -> ranOn.containsKey(id)));
    String onA = ids.stream().filter(id -> ranOn.get(id).equals(List.of("a"))).findFirst().orElseThrow();
    List<String> onB = ids.stream().filter(id -> ranOn.get(id).equals(List.of("b"))).toList();
    assertEquals(2, onB.size(), ranOn.toString());
    String finishes = onB.get(0);
    String handedOver = onB.get(1);
    finish(onA);
    assertEquals(TaskStatus.COMPLETED, a.awaitResult(TENANT, onA, WAIT).toCompletableFuture().get(45, TimeUnit.SECONDS).status());

    var load = a.drainNode(bAddress).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(bAddress, load.address());
    awaitUntil("b draining", () -> a.nodes().toCompletableFuture().join().stream()
        .anyMatch(n -> n.address().equals(bAddress) && n.draining()));

    finish(finishes); // within the drain time: it finishes where it runs
    TaskView finished = a.awaitResult(TENANT, finishes, WAIT).toCompletableFuture().get(45, TimeUnit.SECONDS);
    assertEquals(TaskStatus.COMPLETED, finished.status());
    assertEquals(List.of("b"), ranOn.get(finishes));

    // The other one outlasts the drain: it re-runs on a, and that does not count as an attempt.
    awaitUntil("the handed-over task re-running on a", () -> ranOn.get(handedOver).equals(List.of("b", "a")));
    b.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    finish(handedOver);
    TaskView rerun = a.awaitResult(TENANT, handedOver, WAIT).toCompletableFuture().get(45, TimeUnit.SECONDS);
    assertEquals(TaskStatus.COMPLETED, rerun.status(), rerun.toString());
    assertEquals(1, rerun.attempt(), "a hand-over does not count as an attempt");
    awaitUntil("b gone from the nodes", () -> a.nodes().toCompletableFuture().join().size() == 1);
  }

  private void finish(String taskId) {
    var attempts = gates.get(taskId);
    attempts.get(attempts.size() - 1).complete(JsonNodeFactory.instance.objectNode().put("task", taskId));
  }

  private void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
    TestProbe.create(a.system()).awaitAssert(WAIT, Duration.ofMillis(50), () -> {
      assertTrue(condition.getAsBoolean(), "waiting for " + what);
      return null;
    });
  }
}
