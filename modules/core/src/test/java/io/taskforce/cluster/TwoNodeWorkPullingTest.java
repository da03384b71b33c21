package io.taskforce.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.taskforce.Taskforce;
import io.taskforce.api.NodeLoad;
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
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes in one JVM, clustered over loopback on one PostgreSQL database: node A has one slot,
 * node B six. Tasks dispatched through A run on B's free slots (work pulling), and a task running
 * on the other node than its entity can still be read, paused, resumed and finished.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeWorkPullingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TENANT = "default";

  private final String database = TestConfigs.createPostgresDatabase("taskforce_pull");
  private final Map<String, CompletableFuture<JsonNode>> gates = new ConcurrentHashMap<>();
  /** Which node ran each task's attempts. */
  private final Map<String, List<String>> ranOn = new ConcurrentHashMap<>();
  private Taskforce a;
  private Taskforce b;

  private TaskExecutor gate(String node) {
    return context -> {
      ranOn.computeIfAbsent(context.taskId(), id -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(node);
      context.output("running on " + node + "\n");
      context.progress(10, "on " + node);
      var gate = gates.computeIfAbsent(context.taskId(), id -> new CompletableFuture<>());
      context.onCancel(() -> gate.completeExceptionally(new AttemptCancelledException()));
      return gate;
    };
  }

  @BeforeAll
  void startTwoNodes() throws Exception {
    a = Taskforce.builder(TestConfigs.postgres(database, TestConfigs.freshDataDir(), "taskforce.node.max-running = 1"))
        .executor("gate", gate("a")).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
    String seed = Cluster.get(a.system()).selfMember().address().toString();
    b = Taskforce.builder(TestConfigs.postgres(database, TestConfigs.freshDataDir(),
            "taskforce.node.max-running = 6\npekko.cluster.seed-nodes = [\"" + seed + "\"]"))
        .executor("gate", gate("b")).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
    awaitUntil("both nodes Up", () -> Cluster.get(a.system()).state().members().size() == 2
        && java.util.stream.StreamSupport.stream(Cluster.get(a.system()).state().getMembers().spliterator(), false)
            .allMatch(m -> m.status() == MemberStatus.up()));
    a.createSession(TENANT, new SessionSpec("pull", "work pulling", 50, null)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    gates.values().forEach(g -> g.complete(JsonNodeFactory.instance.objectNode()));
    if (b != null) b.system().terminate();
    if (a != null) a.system().terminate();
    if (b != null) b.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    if (a != null) a.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    TestConfigs.dropPostgresDatabase(database);
  }

  @Test
  void tasksOfAFullNodeRunOnTheOtherNodesFreeSlotsAndCanBeSteeredFromEither() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(a.dispatch(TENANT, "pull", TaskSpec.of("gate", null).withId("pulled-" + i))
          .toCompletableFuture().get(10, TimeUnit.SECONDS).task().id());
    }
    // 7 slots in the cluster, 7 tasks: all run at once, wherever their entities live.
    awaitUntil("all 7 running", () -> ids.stream().allMatch(id -> status(a, id) == TaskStatus.RUNNING));
    awaitUntil("7 attempts started by their executors", () -> ranOn.size() == 7);
    List<NodeLoad> nodes = a.nodes().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, nodes.size());
    assertEquals(7, nodes.stream().mapToInt(NodeLoad::running).sum(), nodes.toString());

    // A task whose attempt runs on b: its output and progress reach either node's readers.
    String onB = ids.stream().filter(id -> ranOn.get(id).equals(List.of("b"))).findFirst().orElseThrow();
    awaitUntil("output of a remote attempt", () -> new String(
        a.output(TENANT, onB, 0).toCompletableFuture().join().data()).contains("running on b"));
    assertEquals(TaskStatus.PAUSED, b.pause(TENANT, onB).toCompletableFuture().get(10, TimeUnit.SECONDS).status());
    assertEquals(TaskStatus.RUNNING, a.resume(TENANT, onB).toCompletableFuture().get(10, TimeUnit.SECONDS).status());

    ids.forEach(id -> gates.computeIfAbsent(id, k -> new CompletableFuture<>())
        .complete(JsonNodeFactory.instance.objectNode().put("done", id)));
    for (String id : ids) {
      TaskView done = b.awaitResult(TENANT, id, WAIT).toCompletableFuture().get(40, TimeUnit.SECONDS);
      assertEquals(TaskStatus.COMPLETED, done.status(), done.toString());
      assertEquals(1, done.attempt());
      assertEquals(id, done.result().get("done").asText());
    }
    awaitUntil("slots free again", () -> a.nodes().toCompletableFuture().join().stream()
        .allMatch(load -> load.running() == 0 && load.queued() == 0));
  }

  @Test
  void cancellingATaskThatRunsOnTheOtherNodeStopsItThere() throws Exception {
    // Fill a's one slot first, so that the next task runs on b whichever node hosts it.
    String first = a.dispatch(TENANT, "pull", TaskSpec.of("gate", null).withId("cancel-0"))
        .toCompletableFuture().get(10, TimeUnit.SECONDS).task().id();
    String second = a.dispatch(TENANT, "pull", TaskSpec.of("gate", null).withId("cancel-1"))
        .toCompletableFuture().get(10, TimeUnit.SECONDS).task().id();
    awaitUntil("both running", () -> status(a, first) == TaskStatus.RUNNING && status(a, second) == TaskStatus.RUNNING);
    for (String id : List.of(first, second)) {
      assertEquals(TaskStatus.CANCELLED, a.cancel(TENANT, id).toCompletableFuture().get(10, TimeUnit.SECONDS).status());
      awaitUntil(id + "'s attempt told to stop", () -> gates.get(id).isCompletedExceptionally());
    }
    awaitUntil("slots free again", () -> a.nodes().toCompletableFuture().join().stream()
        .allMatch(load -> load.running() == 0));
  }

  private static TaskStatus status(Taskforce node, String id) {
    return node.task(TENANT, id).toCompletableFuture().join().status();
  }

  private void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
    TestProbe.create(a.system()).awaitAssert(WAIT, Duration.ofMillis(50), () -> {
      assertTrue(condition.getAsBoolean(), "waiting for " + what);
      return null;
    });
  }
}
