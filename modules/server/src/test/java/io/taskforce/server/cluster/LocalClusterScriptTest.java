package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.server.cluster.SseFeed.Frame;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
 * A 3-node cluster started by {@code deploy/local/cluster.sh} as an operator starts it: it forms,
 * serves every task from every node, carries a session's live feed across nodes, guards its
 * operator routes, and stops cleanly through the script.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(PrintNodeLogsOnFailure.class)
class LocalClusterScriptTest {
  private static final int NODES = 3;

  private LocalClusterScript script;
  private TestCluster cluster;
  private Api api;
  private LocalClusterScript.Run started;
  private long startMillis;
  private boolean stoppedByScript;

  @BeforeAll
  void startThroughTheScript() {
    assertTrue(Files.isDirectory(TestCluster.repositoryRoot().resolve("modules/server/target/lib")),
        "the cluster script runs ./taskforce, which needs the packaged server (mvn package, or the cluster profile's "
            + "integration-test phase)");
    script = new LocalClusterScript(getClass(), NODES);
    long start = System.nanoTime();
    started = script.run(Duration.ofSeconds(200), "start", Integer.toString(NODES),
        "--base-port", Integer.toString(script.remotePort(0)), "--timeout", "150");
    startMillis = Await.millisSince(start);
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      nodes.addAll(script.nodes(NODES));
    } catch (RuntimeException e) {
      // no pid files: the start failed before the nodes were launched; the assertion below says why
    }
    cluster = new TestCluster(script.database(), nodes, script.dir(), () -> {});
    api = cluster.api();
    System.out.println("[LocalClusterScriptTest] cluster.sh start " + NODES + ": exit " + started.exit() + " in "
        + startMillis + " ms\n" + started.output());
    assertEquals(0, started.exit(), "cluster.sh start failed:\n" + started.output());
  }

  @AfterAll
  void stopWhateverIsLeft() {
    // A safety net: the last test stops the nodes through the script, unless something failed first.
    if (script != null && !stoppedByScript) script.run(Duration.ofSeconds(300), "stop");
    if (cluster != null) cluster.close();
  }

  @Test
  @Order(1)
  void theScriptWaitsUntilEveryNodeIsUpAndSaysSo() {
    assertTrue(started.output().contains("cluster of 3 nodes is Up"), started.output());
    assertFalse(started.output().contains(TestCluster.ADMIN_PASSWORD), "the script printed the operator password");
    assertFalse(started.output().contains(TestCluster.TOKEN), "the script printed the token");
    // Already Up when the script returned: no waiting beyond a moment for a slow answer.
    cluster.awaitUp(Duration.ofSeconds(10));
    for (ClusterNode node : cluster.nodes()) {
      assertEquals(3, api.members(node).size(), node.name() + " sees " + api.members(node));
    }
    LocalClusterScript.Run status = script.run(Duration.ofSeconds(60), "status");
    assertEquals(0, status.exit(), status.output());
    assertTrue(status.output().contains("3 of 3 nodes running"), status.output());
    assertTrue(status.output().contains("members Up (as node 0 sees them): 3"), status.output());
  }

  /** (a) Dispatch through any node; every node answers for every task, its result and the lists. */
  @Test
  @Order(2)
  void tasksDispatchedThroughAnyNodeRunAndAreQueryableFromEveryNode() {
    String session = "a-session";
    api.createSession(cluster.node(0), session, 12).expect(201);
    int tasks = 12;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      String id = "a-task-" + i;
      ids.add(id);
      Api.Reply dispatched = api.dispatch(cluster.node(i % NODES), session,
          Api.processTask(id, "echo \"hello " + id + " from $(pwd)\"", 1, null));
      assertEquals(202, dispatched.status(), dispatched.body());
      assertEquals("/v1/tasks/" + id, dispatched.headers().firstValue("Location").orElse(""));
      // Stored before it was answered: another node finds it at once.
      JsonNode found = api.task(cluster.node((i + 1) % NODES), id);
      assertEquals(session, found.path("sessionId").asText());
    }
    Map<Integer, Integer> ranOn = new TreeMap<>();
    for (int i = 0; i < tasks; i++) {
      String id = ids.get(i);
      JsonNode done = api.get(cluster.node((i + 2) % NODES), "/v1/tasks/" + id + "/result?waitSeconds=60",
          Duration.ofSeconds(75)).expect(200).json();
      assertEquals("completed", done.path("status").asText(), done.toString());
      assertEquals(1, done.path("attempt").asInt(), done.toString());
      String stdout = done.path("result").path("stdoutTail").asText();
      assertTrue(stdout.contains("hello " + id + " from "), done.toString());
      ranOn.merge(Api.nodeOf(stdout), 1, Integer::sum);
      for (ClusterNode node : cluster.nodes()) {
        JsonNode seen = api.task(node, id);
        assertEquals("completed", seen.path("status").asText(), node.name() + ": " + seen);
        assertEquals(done.path("finishedAt").asText(), seen.path("finishedAt").asText(), node.name() + ": " + seen);
      }
    }
    System.out.println("[LocalClusterScriptTest] tasks ran on (node -> count): " + ranOn);
    // The lists come from the read model (they may lag by about a second): every node's lists
    // hold every task, completed, exactly once.
    for (ClusterNode node : cluster.nodes()) {
      Await.untilTrue(node.name() + " lists the 12 tasks as completed", Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
        List<JsonNode> listed = api.sessionTasks(node, session);
        Map<String, String> status = new TreeMap<>();
        for (JsonNode t : listed) status.merge(t.path("id").asText(), t.path("status").asText(), (a, b) -> "DUPLICATE");
        assertEquals(listed.size(), status.size(), "duplicates in " + status);
        Map<String, String> expected = new TreeMap<>();
        ids.forEach(id -> expected.put(id, "completed"));
        assertEquals(expected, status);
        Set<String> all = api.allTasks(node).stream().map(t -> t.path("id").asText()).collect(Collectors.toSet());
        assertTrue(all.containsAll(ids), "GET /v1/tasks misses some of " + ids + ": " + all);
        return true;
      });
      JsonNode counts = api.get(node, "/v1/sessions/" + session).expect(200).json().path("counts");
      assertEquals(tasks, counts.path("completed").asInt(), node.name() + ": " + counts);
    }
  }

  /**
   * (b) A subscriber on node 0 sees every durable event of a session numbered 1, 2, 3, ... with no
   * gap and no duplicate, and the live progress of tasks wherever they run (distributed pub-sub).
   */
  @Test
  @Order(3)
  void theLiveFeedOnOneNodeCarriesTheEventsOfTasksOnEveryNode() {
    String session = "b-session";
    api.createSession(cluster.node(1), session, 30).expect(201);
    String script = "for i in 1 2 3 4; do echo \"step $i on $(pwd)\"; sleep 0.4; done";
    Map<String, List<String>> durable = new LinkedHashMap<>();
    Map<Integer, Integer> progressFrom = new TreeMap<>();
    List<Long> seqs = new ArrayList<>();
    Set<String> finished = new HashSet<>();
    try (SseFeed feed = SseFeed.open(api, cluster.node(0), session, 0)) {
      // A first task, awaited on the stream, gives the subscription time to reach every node.
      assertEquals(202, api.dispatch(cluster.node(1), session, Api.processTask("b-warm-up", script, 1, null)).status());
      read(feed, Set.of("b-warm-up"), durable, progressFrom, seqs, finished);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        String id = "b-task-" + i;
        ids.add(id);
        Api.Reply reply = api.dispatch(cluster.node(1 + i % 2), session, Api.processTask(id, script, 1, null));
        assertEquals(202, reply.status(), reply.body());
      }
      read(feed, new HashSet<>(ids), durable, progressFrom, seqs, finished);

      // No gap, no duplicate: 1, 2, 3, ...
      for (int i = 0; i < seqs.size(); i++) assertEquals(i + 1, seqs.get(i), "seq at position " + i + ": " + seqs);
      // Each task: dispatched, started, completed, once each, in that order.
      for (String id : durable.keySet()) {
        assertEquals(List.of("task.dispatched", "task.started", "task.completed"), durable.get(id), id);
      }
      assertEquals(25, durable.size(), durable.keySet().toString());
      // Live progress came from every node that ran a task (the result says where it ran).
      Set<Integer> ranOn = new TreeSet<>();
      for (String id : durable.keySet()) {
        ranOn.add(Api.nodeOf(api.task(cluster.node(2), id).path("result").path("stdoutTail").asText()));
      }
      System.out.println("[LocalClusterScriptTest] tasks ran on nodes " + ranOn + "; progress frames on node 0 by node: "
          + progressFrom + "; durable events: " + seqs.size());
      assertFalse(ranOn.contains(-1), "a task's output does not say where it ran");
      assertTrue(ranOn.size() > 1, "all 25 tasks ran on one node (" + ranOn + "): the feed crossed no node");
      assertEquals(ranOn, progressFrom.keySet(), "nodes that ran tasks vs nodes whose progress reached node 0's stream");

      // The long poll on another node tells the same story.
      List<JsonNode> polled = api.feed(cluster.node(2), session);
      assertEquals(seqs.size(), polled.size());
      List<String> sse = new ArrayList<>();
      durable.forEach((id, types) -> types.forEach(t -> sse.add(id + " " + t)));
      List<String> poll = polled.stream().map(e -> e.path("taskId").asText() + " " + e.path("type").asText()).toList();
      assertEquals(new TreeSet<>(sse), new TreeSet<>(poll));
    }
  }

  private static void read(SseFeed feed, Set<String> until, Map<String, List<String>> durable,
      Map<Integer, Integer> progressFrom, List<Long> seqs, Set<String> finished) {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!finished.containsAll(until)) {
      long left = deadline - System.nanoTime();
      assertTrue(left > 0, "not every task finished on the stream within 120 s; finished: " + finished.size()
          + " of " + until.size() + "; seen " + durable);
      Frame frame = feed.next(Duration.ofNanos(left));
      if (frame == null) continue;
      String taskId = frame.data().path("taskId").asText();
      if (frame.id() == null) {
        assertEquals("task.progress", frame.event(), frame.toString());
        int node = Api.nodeOf(frame.data().path("progress").path("message").asText());
        if (node >= 0) progressFrom.merge(node, 1, Integer::sum);
        continue;
      }
      long seq = Long.parseLong(frame.id());
      assertEquals(seq, frame.data().path("seq").asLong(), frame.toString());
      assertEquals(frame.event(), frame.data().path("type").asText(), frame.toString());
      seqs.add(seq);
      durable.computeIfAbsent(taskId, k -> new ArrayList<>()).add(frame.event());
      if (frame.event().equals("task.completed") || frame.event().equals("task.failed")
          || frame.event().equals("task.cancelled")) {
        finished.add(taskId);
      }
    }
  }

  /** (h) The operator routes need the credentials; {@code /admin/nodes} lists the 3 nodes; {@code /metrics} parses. */
  @Test
  @Order(4)
  void operatorRoutesNeedTheCredentialsAndSeeEveryNode() {
    for (ClusterNode node : cluster.nodes()) {
      for (String path : List.of("/admin/nodes", "/metrics", "/cluster/members")) {
        Api.Reply anonymous = api.management(node, path, false);
        assertEquals(401, anonymous.status(), node.name() + " " + path + " without credentials: " + anonymous);
        assertEquals(401, api.managementWith(node, path, TestCluster.ADMIN_USER, "wrong").status(), path);
      }
      Api.Reply nodes = api.management(node, "/admin/nodes", true);
      assertEquals(200, nodes.status(), node.name() + ": " + nodes);
      List<String> addresses = nodes.json().findValuesAsText("address");
      Set<String> expected = cluster.nodes().stream().map(ClusterNode::address).collect(Collectors.toCollection(TreeSet::new));
      Set<String> listed = new TreeSet<>();
      for (String address : addresses) {
        expected.stream().filter(address::endsWith).forEach(listed::add);
      }
      assertEquals(3, addresses.size(), "addresses in /admin/nodes: " + nodes.body());
      assertEquals(expected, listed, "/admin/nodes on " + node.name() + ": " + nodes.body());

      Api.Reply metrics = api.management(node, "/metrics", true);
      assertEquals(200, metrics.status(), node.name() + ": " + metrics);
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
          "Content-Type " + metrics.headers().firstValue("Content-Type"));
      Map<String, Double> samples = PrometheusText.parse(metrics.body());
      assertTrue(samples.keySet().stream().anyMatch(name -> name.startsWith("taskforce_")),
          "no taskforce_ metric on " + node.name() + ": " + samples.keySet());
    }
  }

  /** {@code cluster.sh stop} stops every node (SIGTERM, one after the other) and says so; status then says stopped. */
  @Test
  @Order(5)
  void theScriptStopsEveryNode() {
    long start = System.nanoTime();
    LocalClusterScript.Run stop = script.run(Duration.ofSeconds(300), "stop");
    long stopMillis = Await.millisSince(start);
    stoppedByScript = true;
    System.out.println("[LocalClusterScriptTest] cluster.sh stop: exit " + stop.exit() + " in " + stopMillis + " ms\n"
        + stop.output());
    assertEquals(0, stop.exit(), stop.output());
    for (ClusterNode node : cluster.nodes()) {
      assertFalse(node.isAlive(), node.name() + " still runs after cluster.sh stop");
      assertTrue(stop.output().contains("node " + node.index + ": stopped"), stop.output());
    }
    LocalClusterScript.Run status = script.run(Duration.ofSeconds(30), "status");
    assertNotEquals(0, status.exit(), status.output());
    assertTrue(status.output().contains("0 of 3 nodes running"), status.output());
  }

  /** The Prometheus text format (version 0.0.4), strictly enough to catch a broken exposition. */
  static final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
            + " ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");

    /** Every sample (name with labels to value); fails on a line that is not valid. */
    static Map<String, Double> parse(String text) {
      Map<String, Double> samples = new HashMap<>();
      Map<String, String> types = new HashMap<>();
      int n = 0;
      for (String line : text.split("\n", -1)) {
        n++;
        if (line.isEmpty()) continue;
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
          String[] parts = line.split(" ", 4);
          assertTrue(parts.length >= 3 && NAME.matcher(parts[2]).matches(), "line " + n + ": " + line);
          if (line.startsWith("# TYPE ")) {
            assertTrue(parts.length == 4 && parts[3].matches("counter|gauge|histogram|summary|untyped"),
                "line " + n + ": " + line);
            assertEquals(null, types.put(parts[2], parts[3]), "a second TYPE line for " + parts[2]);
          }
          continue;
        }
        if (line.startsWith("#")) continue;
        var m = SAMPLE.matcher(line);
        assertTrue(m.matches(), "line " + n + " is not a sample: " + line);
        String value = m.group(3);
        double parsed = value.endsWith("Inf") ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
            : Double.parseDouble(value);
        samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), parsed);
      }
      assertFalse(samples.isEmpty(), "no samples in:\n" + text);
      return samples;
    }
  }
}
