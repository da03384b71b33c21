package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling restart under dispatch load: a client dispatches all along with ids of its own,
 * retrying a connection error or a 5xx against the next node (as a real client does), while each
 * node in turn gets SIGTERM, exits 0, is started again and rejoins. Afterwards every accepted
 * dispatch is one task, and every one of them completed, and no client had to keep retrying one
 * dispatch for longer than the retry window that docs/operations.md tells clients to plan for
 * (RollingRestartDocTest keeps the two in step).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintNodeLogsOnFailure.class)
class RollingRestartTest {
  static final int CLIENTS = 3;
  /**
   * The longest a client may have to keep retrying one dispatch (from its first failed try to its
   * acceptance): the window docs/operations.md ("Rolling restart") tells clients to plan for.
   */
  static final Duration RETRY_WINDOW = Duration.ofSeconds(10);
  /** Dispatches per second per client, at most. */
  private static final int RATE = 3;
  private static final Duration GIVE_UP = Duration.ofSeconds(90);

  private TestCluster cluster;
  private Api api;

  @BeforeAll
  void startCluster() {
    cluster = TestCluster.builder(getClass()).nodes(3).start();
    api = cluster.api();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  /** What the client saw of one dispatch. */
  record Outcome(String id, int tries, long firstFailureNanos, long acceptedNanos, String lastFailure) {}

  @Test
  void everyAcceptedDispatchIsOneTaskThatCompletesThroughARollingRestart() throws Exception {
    Map<String, Outcome> accepted = new ConcurrentHashMap<>();
    Map<String, Outcome> gaveUp = new ConcurrentHashMap<>();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    Map<String, Integer> refusals = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<String> steps = new ArrayList<>();
    List<Future<?>> running = new ArrayList<>();
    long loadStart = System.nanoTime();
    try {
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        running.add(clients.submit(() -> dispatchUntil(stop, client, next, accepted, gaveUp, failures, refusals)));
      }
      awaitAccepted(accepted, 30);
      for (ClusterNode node : cluster.nodes()) {
        long sigterm = System.nanoTime();
        node.sigterm();
        Optional<Integer> exit = node.awaitExit(Duration.ofSeconds(120));
        long stopped = Await.millisSince(sigterm);
        assertEquals(Optional.of(0), exit, node.name() + " exit status after SIGTERM");
        long restart = System.nanoTime();
        node.start();
        cluster.awaitUp(Duration.ofSeconds(150));
        steps.add(node.name() + ": stopped in " + stopped + " ms (exit 0), Up again " + Await.millisSince(restart) + " ms after its start");
        awaitAccepted(accepted, accepted.size() + 20);
      }
    } finally {
      stop.set(true);
      for (Future<?> f : running) f.get(GIVE_UP.toSeconds() + 30, TimeUnit.SECONDS);
      clients.shutdownNow();
    }
    long loadMillis = Await.millisSince(loadStart);

    long maxWindow = accepted.values().stream().filter(o -> o.firstFailureNanos() != 0)
        .mapToLong(o -> TimeUnit.NANOSECONDS.toMillis(o.acceptedNanos() - o.firstFailureNanos())).max().orElse(0);
    long retried = accepted.values().stream().filter(o -> o.tries() > 1).count();
    System.out.println("[RollingRestartTest] " + String.join("; ", steps));
    System.out.println("[RollingRestartTest] " + accepted.size() + " dispatches accepted in " + loadMillis + " ms; "
        + retried + " of them after a retry; longest retry window " + maxWindow + " ms; failed tries by answer: "
        + new TreeMap<>(failures) + "; refusals: " + new TreeMap<>(refusals) + "; given up: " + gaveUp.size());
    assertEquals(Map.of(), gaveUp, "dispatches that were never accepted within " + GIVE_UP);
    assertEquals(Map.of(), refusals, "answers that are not a retryable failure");

    // Every accepted dispatch: one task, final, completed in its one counted attempt.
    Map<String, JsonNode> tasks = api.awaitFinal(cluster.node(1), accepted.keySet(), Duration.ofSeconds(120));
    Map<String, Integer> outcomes = new TreeMap<>();
    tasks.forEach((id, task) -> outcomes.merge(task.path("status").asText() + "/attempt " + task.path("attempt").asInt(), 1, Integer::sum));
    System.out.println("[RollingRestartTest] outcomes: " + outcomes);
    assertEquals(Map.of("completed/attempt 1", accepted.size()), outcomes);
    Await.untilTrue("every accepted task listed exactly once", Duration.ofSeconds(30), Duration.ofMillis(500), () -> {
      Map<String, Integer> listed = new HashMap<>();
      for (JsonNode task : api.allTasks(cluster.node(2))) listed.merge(task.path("id").asText(), 1, Integer::sum);
      List<String> wrong = new ArrayList<>();
      for (String id : accepted.keySet()) {
        if (listed.getOrDefault(id, 0) != 1) wrong.add(id + " listed " + listed.getOrDefault(id, 0) + " times");
      }
      listed.keySet().stream().filter(id -> !accepted.containsKey(id) && !gaveUp.containsKey(id)).forEach(id -> wrong.add(id + " unknown"));
      assertEquals(List.of(), wrong);
      return true;
    });

    // The documented retry window held for every dispatch.
    Outcome longest = accepted.values().stream().filter(o -> o.firstFailureNanos() != 0)
        .max(java.util.Comparator.comparingLong(o -> o.acceptedNanos() - o.firstFailureNanos())).orElse(null);
    assertTrue(maxWindow <= RETRY_WINDOW.toMillis(), "a client kept retrying for " + maxWindow + " ms, over the "
        + RETRY_WINDOW.toSeconds() + " s docs/operations.md plans for: " + longest);
  }

  private void awaitAccepted(Map<String, Outcome> accepted, int count) {
    Await.untilTrue(count + " dispatches accepted", Duration.ofSeconds(120), Duration.ofMillis(100), () -> accepted.size() >= count);
  }

  /** One client: its own ids, the nodes in turn, the next node after a connection error or a 5xx. */
  private void dispatchUntil(AtomicBoolean stop, int client, AtomicInteger sequence, Map<String, Outcome> accepted,
      Map<String, Outcome> gaveUp, Map<String, Integer> failures, Map<String, Integer> refusals) {
    List<ClusterNode> nodes = cluster.nodes();
    int target = client;
    long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
    AtomicLong nextAt = new AtomicLong(System.nanoTime());
    while (!stop.get()) {
      LockSupport.parkNanos(nextAt.get() - System.nanoTime()); // a rate, not a wait for anything
      nextAt.addAndGet(interval);
      int n = sequence.getAndIncrement();
      String id = "d-task-" + n;
      var spec = Api.processTask(id, "sleep 0." + (n % 7), 1, null);
      long first = 0;
      String lastFailure = null;
      long deadline = System.nanoTime() + GIVE_UP.toNanos();
      for (int tries = 1; ; tries++) {
        ClusterNode node = nodes.get(target % nodes.size());
        String failure;
        try {
          Api.Reply reply = api.post(node, "/v1/sessions/d-session-" + (n % 4) + "/tasks", spec.toString());
          if (reply.status() == 202 || reply.status() == 200) {
            accepted.put(id, new Outcome(id, tries, first, System.nanoTime(), lastFailure));
            break;
          }
          if (reply.status() < 500) {
            refusals.merge(reply.status() + " " + reply.body(), 1, Integer::sum);
            break;
          }
          failure = Integer.toString(reply.status());
        } catch (UncheckedIOException e) {
          failure = e.getCause().getClass().getSimpleName();
        }
        failures.merge(failure, 1, Integer::sum);
        if (first == 0) first = System.nanoTime();
        lastFailure = failure + " from " + node.name();
        if (System.nanoTime() > deadline) {
          gaveUp.put(id, new Outcome(id, tries, first, 0, lastFailure));
          break;
        }
        target++; // another node
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // do not spin on a node that is going
      }
    }
  }
}
