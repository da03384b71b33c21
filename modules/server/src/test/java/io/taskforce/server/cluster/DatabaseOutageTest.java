package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.server.outage.CuttableProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL goes away under every node at once (a proxy of the test's own between all nodes and
 * the database is cut): dispatch answers 503 with Retry-After, {@code /ready} says not ready;
 * once it is back, every node dispatches again without a restart and the tasks that were running
 * through the outage complete. Node 2 has no operator credentials: its operator routes are absent.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(PrintNodeLogsOnFailure.class)
class DatabaseOutageTest {
  /** Tasks running through the outage. */
  private static final int BEFORE = 12;
  /** Clients dispatching during it, and how many dispatches they try (most of the 64 task shards). */
  private static final int CLIENTS = 10;
  private static final int DISPATCHES_DURING = 80;
  private CuttableProxy proxy;
  private TestCluster cluster;
  private Api api;
  private final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  void startCluster() throws IOException {
    proxy = new CuttableProxy(5432);
    cluster = TestCluster.builder(getClass()).nodes(3)
        .databaseUrl(db -> "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + db)
        .env(2, "TASKFORCE_ADMIN_USER", null)
        .env(2, "TASKFORCE_ADMIN_PASSWORD", null)
        // The facade gives up on an entity after 5 s (10 s by default), so the clients of the
        // outage try their dispatches faster.
        .systemProperty("taskforce.ask-timeout", "5s")
        .onClose(() -> proxy.close())
        .start();
    api = cluster.api();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
    else if (proxy != null) proxy.close();
  }

  @Test
  @Order(1)
  void operatorRoutesAreAbsentWithoutCredentialsAndGuardedWithThem() {
    ClusterNode without = cluster.node(2);
    for (String path : List.of("/admin/nodes", "/admin/tasks", "/cluster/members", "/metrics")) {
      assertEquals(404, api.management(without, path, true).status(), path + " on a node without operator credentials");
      assertEquals(401, api.management(cluster.node(0), path, false).status(), path + " without credentials");
    }
    assertEquals(200, api.management(without, "/alive", false).status());
    assertEquals(200, api.management(without, "/ready", false).status());
  }

  /**
   * Clients keep dispatching through the outage (distinct ids, every node), as they would: their
   * dispatches touch most shards of the task entities, so the tasks running through the outage
   * share shards with dispatches that cannot be stored. They must all complete, exactly once.
   *
   * <p>The tasks running through the outage complete in their first attempt: tasks are not
   * remembered entities, so no remember-entities write that fails stops their shard (the tasks
   * allow 2 attempts, so that a lost attempt shows as attempt 2, not as a failure).
   */
  @Test
  @Order(2)
  void duringAnOutageDispatchAnswers503AndNodesAreNotReadyAfterwardsEverythingCarriesOn() throws Exception {
    Path marker = cluster.dir().resolve("outage-over");
    Files.deleteIfExists(marker);
    Map<Integer, Long> pids = new LinkedHashMap<>();
    cluster.nodes().forEach(n -> pids.put(n.index, n.pid()));
    api.createSession(cluster.node(0), "e-session", 40).expect(201);

    // Tasks that run through the outage: they wait, silent (nothing to write), for the marker.
    List<String> before = new ArrayList<>();
    for (int i = 0; i < BEFORE; i++) {
      String id = "e-before-" + i;
      before.add(id);
      api.dispatchUntilAccepted(cluster.node(i % 3), "e-session",
          Api.processTask(id, "while [ ! -e '" + marker + "' ]; do sleep 0.2; done; echo \"done on $(pwd)\"", 2, null));
    }
    Await.untilTrue("the " + BEFORE + " tasks running", Duration.ofSeconds(60), Duration.ofMillis(300),
        () -> before.stream().allMatch(id -> api.task(cluster.node(1), id).path("status").asText().equals("running")));

    List<String> problems = new ArrayList<>();
    Map<String, Integer> answers = new ConcurrentHashMap<>();
    List<String> tried = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> badRefusals = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stopLoad = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> load = new ArrayList<>();
    long cutAt = System.nanoTime();
    proxy.cut();
    try {
      for (int c = 0; c < CLIENTS; c++) {
        load.add(clients.submit(() -> {
          while (!stopLoad.get()) {
            int n = ids.incrementAndGet();
            String id = "e-during-" + n;
            tried.add(id);
            Api.Reply reply = dispatch(cluster.node(n % 3), id);
            answers.merge(reply.status() == -1 ? "connection error" : Integer.toString(reply.status()), 1, Integer::sum);
            if (reply.status() == 503 && (reply.headers().firstValue("Retry-After").isEmpty()
                || !reply.body().contains("/problems/unavailable"))) {
              badRefusals.add(id + ": " + reply + " " + reply.headers().map());
            }
          }
        }));
      }
      for (ClusterNode node : cluster.nodes()) {
        Api.Reply refused = Await.until(node.name() + " answers a dispatch 503", Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
          String id = "e-during-" + ids.incrementAndGet();
          tried.add(id);
          Api.Reply reply = dispatch(node, id);
          return reply.status() == 503 ? reply : null;
        });
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "no Retry-After: " + refused.headers().map());
        assertTrue(refused.body().contains("/problems/unavailable"), refused.body());
      }
      System.out.println("[DatabaseOutageTest] every node answers 503 " + Await.millisSince(cutAt) + " ms after the cut");
      // Readiness: checked on every node, failures collected so that the rest of the story is told too.
      for (ClusterNode node : cluster.nodes()) {
        try {
          Await.untilTrue(node.name() + " /ready says not ready while the database is away", Duration.ofSeconds(45),
              Duration.ofMillis(500), () -> !api.ready(node));
        } catch (AssertionError e) {
          problems.add(e.getMessage());
        }
        if (api.management(node, "/alive", false).status() != 200) problems.add(node.name() + " /alive is not 200 during the outage");
      }
      // The outage lasts until the clients have tried enough ids to reach most shards.
      Await.untilTrue(DISPATCHES_DURING + " dispatches tried during the outage", Duration.ofSeconds(120), Duration.ofMillis(200),
          () -> tried.size() >= DISPATCHES_DURING);
    } finally {
      long restoredAt = System.nanoTime();
      proxy.restore();
      stopLoad.set(true);
      for (Future<?> f : load) f.get(60, TimeUnit.SECONDS);
      clients.shutdownNow();
      System.out.println("[DatabaseOutageTest] outage of " + TimeUnit.NANOSECONDS.toMillis(restoredAt - cutAt) + " ms; "
          + tried.size() + " dispatches tried during it, answers: " + new TreeMap<>(answers));
    }
    assertEquals(List.of(), badRefusals, "503 answers without Retry-After or problem");
    List<String> unexpected = answers.keySet().stream()
        .filter(a -> !a.equals("503") && !a.equals("202") && !a.equals("200") && !a.equals("connection error")).toList();
    assertEquals(List.of(), unexpected, "answers during the outage: " + answers);

    long restoredAt = System.nanoTime();
    for (ClusterNode node : cluster.nodes()) {
      Await.until(node.name() + " accepts a dispatch again", Duration.ofSeconds(90), Duration.ofMillis(500), () -> {
        Api.Reply reply = dispatch(node, "e-after-" + node.index);
        return reply.status() == 202 || reply.status() == 200 ? reply : null;
      });
    }
    System.out.println("[DatabaseOutageTest] every node accepts dispatches " + Await.millisSince(restoredAt) + " ms after the restore");
    for (ClusterNode node : cluster.nodes()) {
      assertTrue(node.isAlive(), node.name() + " is gone");
      assertEquals(pids.get(node.index), node.pid(), node.name() + " was restarted");
      try {
        Await.untilTrue(node.name() + " /ready again", Duration.ofSeconds(60), Duration.ofMillis(500), () -> api.ready(node));
      } catch (AssertionError e) {
        problems.add(e.getMessage());
      }
    }

    // The tasks that ran through the outage finish, completed, in the attempt that ran through it.
    Files.writeString(marker, "over");
    Map<String, JsonNode> finished = api.awaitFinal(cluster.node(2), before, Duration.ofSeconds(90));
    Map<String, Integer> outcomes = new TreeMap<>();
    finished.values().forEach(t -> outcomes.merge(t.path("status").asText() + "/attempt " + t.path("attempt").asInt()
        + (t.has("error") ? "/" + t.path("error").path("type").asText() : ""), 1, Integer::sum));
    System.out.println("[DatabaseOutageTest] tasks running through the outage: " + outcomes);
    for (String id : before) {
      JsonNode task = finished.get(id);
      if (!task.path("status").asText().equals("completed") || task.path("attempt").asInt() != 1) {
        problems.add("running through the outage, " + id + " ended " + task.path("status").asText() + " in attempt "
            + task.path("attempt").asInt() + ": " + task.path("error"));
      }
    }
    // A dispatch answered 503 (or not at all) may or may not have happened: retried with its id, it happens once.
    List<String> retried = new ArrayList<>(tried);
    for (String id : retried) {
      Api.Reply again = dispatch(cluster.node(0), id);
      assertTrue(again.status() == 202 || again.status() == 200, id + " retried: " + again);
    }
    List<String> after = new ArrayList<>(retried);
    cluster.nodes().forEach(n -> after.add("e-after-" + n.index));
    api.awaitFinal(cluster.node(1), after, Duration.ofSeconds(120)).forEach((id, task) ->
        assertEquals("completed", task.path("status").asText(), task.toString()));
    System.out.println("[DatabaseOutageTest] the " + retried.size() + " dispatches of the outage, retried, all completed");
    assertEquals(List.of(), problems);
  }

  private Api.Reply dispatch(ClusterNode node, String id) {
    try {
      return api.dispatch(node, "e-session", Api.processTask(id, "true", 1, null));
    } catch (UncheckedIOException e) {
      return new Api.Reply(-1, e.toString(), null);
    }
  }
}
