package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGKILL of a node (the oldest: it hosts the shard coordinators) while 300 tasks run, some of them
 * on it: each attempt under way there runs again on a survivor; every task
 * reaches exactly one final status within the failure detection, the Split Brain Resolver's
 * stable-after and a margin; none ran more often than its maxAttempts; every session's feed has
 * exactly one final event per task; the killed node then restarts and rejoins.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintNodeLogsOnFailure.class)
class NodeLossTest {
  private static final int TASKS = 300;
  private static final int SESSIONS = 6;
  private static final int MAX_ATTEMPTS = 2;
  /** Every this many tasks, one holds its slot until the victim is killed. */
  private static final int HELD_EVERY = 20;

  private TestCluster cluster;
  private Api api;

  @BeforeAll
  void startCluster() {
    cluster = TestCluster.builder(getClass()).nodes(3).env("TASKFORCE_MAX_RUNNING", "6").start();
    api = cluster.api();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Test
  void aKilledNodesTasksFinishElsewhereExactlyOnceAndTheNodeRejoins() throws Exception {
    Path runs = Files.createDirectories(cluster.dir().resolve("runs"));
    ClusterNode victim = cluster.node(0);
    List<ClusterNode> survivors = List.of(cluster.node(1), cluster.node(2));
    for (int s = 0; s < SESSIONS; s++) api.createSession(cluster.node(1), "c-session-" + s, 60).expect(201);

    // 300 tasks of 0.2 to 3 s, dispatched through the nodes that survive; every 20th (15 of them)
    // holds its slot until the test releases it after the SIGKILL. Once all 15 run, at least 3 run
    // on the victim (the survivors have 12 slots), so the kill is sure to interrupt attempts there.
    Path release = cluster.dir().resolve("release-held-tasks");
    Files.deleteIfExists(release);
    List<String> ids = new ArrayList<>();
    Map<String, String> sessionOf = new HashMap<>();
    for (int i = 0; i < TASKS; i++) {
      ids.add("c-task-" + i);
      sessionOf.put("c-task-" + i, "c-session-" + (i % SESSIONS));
    }
    ExecutorService dispatchers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        int n = i;
        sent.add(dispatchers.submit(() -> {
          String id = ids.get(n);
          double seconds = 0.2 + ((n * 37) % 29) / 10.0;
          String work = n % HELD_EVERY == 0
              ? "while [ ! -e '" + release + "' ]; do sleep 0.2; done"
              : "sleep " + seconds;
          // Each run also notes when its command ended (<id>.end), to tell a run that was still under
          // way at the SIGKILL from one that had just finished.
          Api.Reply reply = api.dispatch(survivors.get(n % 2), sessionOf.get(id), Api.processTask(id,
              work + "; echo \"$(date +%s.%N)\" >> '" + runs.resolve(id + ".end") + "'", MAX_ATTEMPTS, runs));
          assertEquals(202, reply.status(), id + ": " + reply);
        }));
      }
      for (Future<?> f : sent) f.get(120, TimeUnit.SECONDS);
    } finally {
      dispatchers.shutdownNow();
    }

    // Kill the node while it runs attempts: once a fifth of the tasks are done and at least 3 of its
    // first attempts are under way on it (started there, command not ended).
    Await.untilTrue("60 tasks final and attempts running on " + victim.name(), Duration.ofSeconds(120),
        Duration.ofMillis(200), () -> {
          long finished = api.get(cluster.node(1), "/v1/tasks?status=completed,failed&limit=500").expect(200).json()
              .path("items").size();
          return finished >= 60 && runningOn(0, ids, runs).size() >= 3;
        });
    List<String> onVictim = runningOn(0, ids, runs);
    long killedAt = System.nanoTime();
    java.time.Instant killedInstant = java.time.Instant.now();
    victim.kill9();
    System.out.println("[NodeLossTest] SIGKILL " + victim.name() + " (pid " + victim.pid() + ")");
    Files.createFile(release); // the held tasks may finish now (and their re-runs at once)

    // Every task final, within detection (~8 s) + stable-after + down-removal-margin + the work left + a margin.
    Map<String, JsonNode> tasks = api.awaitFinal(cluster.node(1), ids, Duration.ofSeconds(150));
    long allFinalMillis = Await.millisSince(killedAt);

    Map<String, Integer> outcomes = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    int rerun = 0;
    for (String id : ids) {
      JsonNode task = tasks.get(id);
      String status = task.path("status").asText();
      int attempt = task.path("attempt").asInt();
      List<String> ran = Api.runs(runs, id);
      outcomes.merge(status + (task.has("error") ? "/" + task.path("error").path("type").asText() : "") + "/attempt " + attempt,
          1, Integer::sum);
      if (attempt < 1 || attempt > MAX_ATTEMPTS) problems.add(id + ": attempt " + attempt);
      if (ran.size() > MAX_ATTEMPTS) problems.add(id + ": ran " + ran.size() + " times: " + ran);
      if (ran.size() > 1) rerun++;
      switch (status) {
        case "completed" -> {
          if (ran.isEmpty()) problems.add(id + ": completed without running");
          if (ran.size() > attempt) problems.add(id + ": ran " + ran.size() + " times in " + attempt + " counted attempts");
        }
        case "failed" -> {
          if (!task.path("error").path("type").asText().equals("node-lost") || attempt != MAX_ATTEMPTS) {
            problems.add(id + ": failed other than node-lost after its last attempt: " + task);
          }
        }
        default -> problems.add(id + ": " + status);
      }
    }
    // How soon the lost attempts ran again: failure detection, stable-after, the down-removal margin,
    // the retry backoff, then a slot (the re-runs queue behind the session's other waiting tasks).
    List<Long> rerunAfter = ids.stream().map(id -> Api.runs(runs, id)).filter(r -> r.size() > 1)
        .map(r -> Duration.between(killedInstant, Api.runStart(r.get(1))).toMillis()).sorted().toList();
    System.out.println("[NodeLossTest] all " + TASKS + " tasks final " + allFinalMillis + " ms after the SIGKILL"
        + " (SBR stable-after " + TestCluster.SBR_STABLE_AFTER.toSeconds() + " s); outcomes: " + outcomes
        + "; tasks that ran twice: " + rerun + ", their second runs started (ms after the SIGKILL): " + rerunAfter);
    assertEquals(List.of(), problems);
    assertTrue(rerun > 0, "no task of the killed node was run again: the kill interrupted nothing");
    // The attempts under way on the victim at the SIGKILL (less any whose command ended before it,
    // in the moment between the look and the kill) were lost with it: each ran again, on a
    // survivor, and completed in its second counted attempt.
    List<String> interrupted = onVictim.stream().filter(id -> !endedBefore(runs, id, killedInstant)).toList();
    System.out.println("[NodeLossTest] attempts under way on " + victim.name() + " at the SIGKILL: " + onVictim.size()
        + " (" + (onVictim.size() - interrupted.size()) + " of them ended just before it)");
    assertTrue(interrupted.size() >= 2, "attempts under way on the victim at the kill: " + onVictim
        + ", of them not ended before it: " + interrupted);
    List<String> notRerun = new ArrayList<>();
    for (String id : interrupted) {
      List<String> ran = Api.runs(runs, id);
      JsonNode task = tasks.get(id);
      if (ran.size() != 2 || Api.nodeOf(ran.get(1)) == 0 || !task.path("status").asText().equals("completed")
          || task.path("attempt").asInt() != 2) {
        notRerun.add(id + ": runs " + ran + ", " + task.path("status").asText() + "/attempt " + task.path("attempt").asInt());
      }
    }
    assertEquals(List.of(), notRerun, "lost attempts that did not run again on a survivor as attempt 2");
    // Detection (about 8 s with conf/cluster.conf's failure detector) + stable-after + down-removal-margin
    // + a margin of 20 s for the retry backoff and a busy 2-core machine.
    long budget = 8_000 + TestCluster.SBR_STABLE_AFTER.toMillis() + TestCluster.SBR_DOWN_REMOVAL_MARGIN.toMillis() + 20_000;
    assertTrue(rerunAfter.get(0) <= budget, "the first lost attempt ran again " + rerunAfter.get(0) + " ms after the SIGKILL, over "
        + budget + " ms");

    // Each session's feed: numbered 1..n without gap or repeat, one dispatched and one final event per task.
    Map<String, List<String>> tasksOfSession = new TreeMap<>();
    ids.forEach(id -> tasksOfSession.computeIfAbsent(sessionOf.get(id), k -> new ArrayList<>()).add(id));
    for (Map.Entry<String, List<String>> session : tasksOfSession.entrySet()) {
      List<JsonNode> feed = Await.until(session.getKey() + "'s feed has a final event per task", Duration.ofSeconds(60),
          Duration.ofMillis(500), () -> {
            List<JsonNode> events = api.feed(cluster.node(2), session.getKey());
            long finals = events.stream().filter(e -> Api.FINAL.contains(e.path("status").asText())
                && e.path("type").asText().startsWith("task.")).count();
            return finals >= session.getValue().size() ? events : null;
          });
      for (int i = 0; i < feed.size(); i++) {
        assertEquals(i + 1, feed.get(i).path("seq").asLong(), session.getKey() + " event at position " + i);
      }
      Map<String, List<String>> finalsOf = new HashMap<>();
      Map<String, Integer> dispatchedOf = new HashMap<>();
      for (JsonNode event : feed) {
        String type = event.path("type").asText();
        String taskId = event.path("taskId").asText();
        if (type.equals("task.dispatched")) dispatchedOf.merge(taskId, 1, Integer::sum);
        if (type.equals("task.completed") || type.equals("task.failed") || type.equals("task.cancelled")) {
          finalsOf.computeIfAbsent(taskId, k -> new ArrayList<>()).add(type);
        }
      }
      for (String id : session.getValue()) {
        assertEquals(List.of("task." + tasks.get(id).path("status").asText()), finalsOf.getOrDefault(id, List.of()),
            session.getKey() + ": final events of " + id);
        assertEquals(1, dispatchedOf.getOrDefault(id, 0), session.getKey() + ": dispatched events of " + id);
      }
      List<String> strangers = finalsOf.keySet().stream().filter(id -> !session.getValue().contains(id)).toList();
      assertEquals(List.of(), strangers, session.getKey() + ": final events of tasks it does not have");
    }

    // The killed node comes back on the same address and data directory, and serves again.
    long restart = System.nanoTime();
    victim.start();
    cluster.awaitUp(Duration.ofSeconds(150));
    System.out.println("[NodeLossTest] " + victim.name() + " restarted and Up again in " + Await.millisSince(restart) + " ms");
    Api.Reply after = api.dispatch(victim, "c-session-0", Api.processTask("c-after-rejoin", "echo back", 1, null));
    assertEquals(202, after.status(), after.body());
    JsonNode done = api.get(victim, "/v1/tasks/c-after-rejoin/result?waitSeconds=60", Duration.ofSeconds(75)).expect(200).json();
    assertEquals("completed", done.path("status").asText(), done.toString());
  }

  /** The tasks whose one run so far started on node {@code node} and whose command has not ended. */
  private static List<String> runningOn(int node, List<String> ids, Path runs) {
    return ids.stream().filter(id -> {
      List<String> ran = Api.runs(runs, id);
      return ran.size() == 1 && Api.nodeOf(ran.get(0)) == node && !Files.exists(runs.resolve(id + ".end"));
    }).toList();
  }

  /** Whether the first run of {@code id} ended (its command's last line) before {@code instant}. */
  private static boolean endedBefore(Path runs, String id, java.time.Instant instant) {
    Path end = runs.resolve(id + ".end");
    try {
      if (!Files.exists(end)) return false;
      List<String> lines = Files.readAllLines(end);
      return !lines.isEmpty() && Api.runStart("end " + lines.get(0).trim()).isBefore(instant);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
