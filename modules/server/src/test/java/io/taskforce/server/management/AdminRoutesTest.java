package io.taskforce.server.management;

import static io.taskforce.server.management.OperatorClient.basic;
import static io.taskforce.server.management.OperatorClient.bearer;
import static io.taskforce.server.management.OperatorClient.get;
import static io.taskforce.server.management.OperatorClient.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.server.ServerMain;
import io.taskforce.server.management.OperatorClient.Answer;
import io.taskforce.testing.TestConfigs;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin routes over real HTTP on a real node (H2, tenants {@code default} and {@code other}):
 * tasks of every tenant by status in pages, force-cancel, shards, nodes, drain; problems for bad
 * input; 503 before the node is attached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminRoutesTest {
  private static final String DEFAULT_TOKEN = "admin-test-default-token-0001";
  private static final String OTHER_TOKEN = "admin-test-other-token-0002";
  private static final String OPERATOR = basic("operator", "s3cret-password");
  private static final String SETTINGS = String.join("\n",
      "taskforce.http.port = 0",
      "taskforce.server.token = \"\"",
      "taskforce.server.tokens = \"default=" + DEFAULT_TOKEN + ",other=" + OTHER_TOKEN + "\"",
      "taskforce.executors.process.tenants = [default, other]",
      "taskforce.executors.process.kill-grace = 2s",
      "taskforce.node.max-running = 8",
      "taskforce.server.admin-user = operator",
      "taskforce.server.admin-password = \"s3cret-password\"");

  private ServerMain server;
  private String api;
  private String admin;
  private TestProbe<Object> probe;

  @BeforeAll
  void start() throws Exception {
    server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), SETTINGS));
    api = "http://127.0.0.1:" + server.port();
    admin = ManagementTest.base(server) + "/admin";
    probe = TestProbe.create(server.system());
  }

  @AfterAll
  void stop() {
    if (server != null) server.stop();
  }

  @Test
  void listsTheTasksOfEveryTenantByStatusNewestFirstInPages() {
    String session = uid("s");
    String shared = uid("same"); // one id in both tenants: two different tasks
    List<String> running = new ArrayList<>();
    running.add(key("default", dispatch(DEFAULT_TOKEN, session, shared, "sleep 60")));
    running.add(key("other", dispatch(OTHER_TOKEN, session, shared, "sleep 60")));
    running.add(key("other", dispatch(OTHER_TOKEN, session, uid("t"), "sleep 60")));
    String done = dispatch(DEFAULT_TOKEN, session, uid("t"), "true");
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
      assertEquals("completed", get(api + "/v1/tasks/" + done, bearer(DEFAULT_TOKEN)).json().get("status").asText());
      return null;
    });

    // Every running and pending task, of both tenants, each with its tenant.
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
      Answer page = get(admin + "/tasks?status=running,pending&limit=500", OPERATOR);
      assertEquals(200, page.status(), page.toString());
      assertTrue(page.contentType().startsWith("application/json"), page.contentType());
      Set<String> listed = new HashSet<>();
      for (JsonNode item : page.json().get("items")) {
        String status = item.get("task").get("status").asText();
        assertTrue(status.equals("running") || status.equals("pending"), item.toString());
        listed.add(key(item.get("tenant").asText(), item.get("task").get("id").asText()));
      }
      assertTrue(listed.containsAll(running), listed + " lacks some of " + running);
      assertFalse(listed.contains(key("default", done)));
      return null;
    });

    // Without a status filter the finished task is there too; with "completed" only the finished.
    assertTrue(keys(get(admin + "/tasks?limit=500", OPERATOR)).contains(key("default", done)));
    Set<String> completed = keys(get(admin + "/tasks?status=completed&limit=500", OPERATOR));
    assertTrue(completed.contains(key("default", done)));
    assertFalse(completed.contains(running.get(0)));

    // Pages of one: every task once, newest first, the same set as one big page.
    Set<String> all = keys(get(admin + "/tasks?limit=500", OPERATOR));
    List<String> paged = new ArrayList<>();
    Instant previous = Instant.MAX;
    String cursor = null;
    do {
      Answer page = get(admin + "/tasks?limit=1" + (cursor == null ? "" : "&cursor=" + cursor), OPERATOR);
      assertEquals(200, page.status(), page.toString());
      JsonNode items = page.json().get("items");
      assertTrue(items.size() <= 1, page.toString());
      for (JsonNode item : items) {
        Instant created = Instant.parse(item.get("task").get("createdAt").asText());
        assertFalse(created.isAfter(previous), "not newest first: " + item);
        previous = created;
        paged.add(key(item.get("tenant").asText(), item.get("task").get("id").asText()));
      }
      cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asText() : null;
    } while (cursor != null);
    assertEquals(paged.size(), new HashSet<>(paged).size(), "a task listed twice: " + paged);
    assertEquals(all, new HashSet<>(paged));

    for (String k : running) cancel(k);
  }

  @Test
  void refusesBadListingParametersWithProblems() {
    assertProblem(get(admin + "/tasks?status=running,bogus", OPERATOR), 400, "invalid-request", "status");
    assertProblem(get(admin + "/tasks?limit=0", OPERATOR), 400, "invalid-request", "limit");
    assertProblem(get(admin + "/tasks?limit=501", OPERATOR), 400, "invalid-request", "limit");
    assertProblem(get(admin + "/tasks?limit=ten", OPERATOR), 400, "invalid-request", "limit");
    assertProblem(get(admin + "/tasks?cursor=not-a-cursor", OPERATOR), 400, "invalid-request", "cursor");
    // A tenant listing's cursor is not one of this listing's.
    String session = uid("s");
    dispatch(DEFAULT_TOKEN, session, uid("t"), "true");
    dispatch(DEFAULT_TOKEN, session, uid("t"), "true");
    JsonNode tenantPage = get(api + "/v1/tasks?limit=1", bearer(DEFAULT_TOKEN)).json();
    assertTrue(tenantPage.hasNonNull("nextCursor"), tenantPage.toString());
    assertProblem(get(admin + "/tasks?cursor=" + tenantPage.get("nextCursor").asText(), OPERATOR),
        400, "invalid-request", "cursor");
  }

  @Test
  void cancelsATaskOfAnyTenant() {
    String session = uid("s");
    String id = dispatch(OTHER_TOKEN, session, uid("t"), "sleep 60");
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
      assertEquals("running", get(api + "/v1/tasks/" + id, bearer(OTHER_TOKEN)).json().get("status").asText());
      return null;
    });
    // Under another tenant it is not found, as the API would say.
    assertProblem(post(admin + "/tasks/default/" + id + "/cancel", OPERATOR), 404, "not-found", null);

    Answer cancelled = post(admin + "/tasks/other/" + id + "/cancel", OPERATOR);
    assertEquals(200, cancelled.status(), cancelled.toString());
    assertEquals("cancelled", cancelled.json().get("status").asText());
    assertEquals(id, cancelled.json().get("id").asText());
    assertEquals("cancelled", get(api + "/v1/tasks/" + id, bearer(OTHER_TOKEN)).json().get("status").asText());

    assertProblem(post(admin + "/tasks/other/" + id + "/cancel", OPERATOR), 409, "conflict", null);
    assertProblem(post(admin + "/tasks/other/" + uid("no-such-task") + "/cancel", OPERATOR), 404, "not-found", null);
    assertProblem(post(admin + "/tasks/other/bad%20id/cancel", OPERATOR), 400, "invalid-request", "taskId");
    assertProblem(post(admin + "/tasks/no%20tenant/" + id + "/cancel", OPERATOR), 400, "invalid-request", "tenant");
    assertEquals(405, get(admin + "/tasks/other/" + id + "/cancel", OPERATOR).status());
  }

  @Test
  void showsWhichNodeHoldsHowManyShardsAndEntitiesOfEachType() {
    String session = uid("s");
    String id = dispatch(DEFAULT_TOKEN, session, uid("t"), "sleep 60");
    String self = Cluster.get(server.system()).selfMember().address().toString();
    probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
      Answer shards = get(admin + "/shards", OPERATOR);
      assertEquals(200, shards.status(), shards.toString());
      for (String type : List.of("session", "task")) {
        JsonNode stats = shards.json().get(type);
        assertNotNull(stats, shards.toString());
        assertEquals(1, stats.get("nodes").size(), stats.toString());
        JsonNode node = stats.get("nodes").get(0);
        assertEquals(self, node.get("address").asText());
        assertTrue(node.get("shards").asInt() >= 1, stats.toString());
        assertTrue(node.get("entities").asLong() >= 1, stats.toString());
        assertEquals(0, node.get("unresponsiveShards").size(), stats.toString());
        assertEquals(node.get("shards").asInt(), stats.get("shards").asInt());
        assertEquals(node.get("entities").asLong(), stats.get("entities").asLong());
      }
      return null;
    });
    cancel(key("default", id));
  }

  /** {@code Taskforce.nodes()} and {@code drainNode} are the lead's: until they land these fail with 500. */
  @Test
  void listsTheNodesAndRefusesToDrainAnUnknownOne() {
    String self = Cluster.get(server.system()).selfMember().address().toString();
    JsonNode mine = awaitNode(probe, admin, self);
    assertEquals(8, mine.get("maxRunning").asInt());
    assertFalse(mine.get("draining").asBoolean());
    assertTrue(mine.has("running") && mine.has("queued"), mine.toString());

    String unknown = URLEncoder.encode("pekko://taskforce@127.0.0.1:1", StandardCharsets.UTF_8);
    assertProblem(post(admin + "/nodes/" + unknown + "/drain", OPERATOR), 404, "not-found", null);
    assertEquals(405, get(admin + "/nodes/" + unknown + "/drain", OPERATOR).status());
  }

  /**
   * A node of its own: drained, it starts no more attempts (a task dispatched after the drain
   * began waits as pending, queued for a slot, and never starts there), lets its running attempt
   * finish, and then leaves the cluster.
   */
  @Test
  void drainsANodeNamedByItsUrlEncodedAddress() throws Exception {
    // A drain time long enough that only the attempt's end can end the drain.
    ServerMain node = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), SETTINGS + "\ntaskforce.node.drain-seconds = 60"));
    Path marks = Files.createTempDirectory("drain-marks");
    try {
      String self = Cluster.get(node.system()).selfMember().address().toString();
      String nodeApi = "http://127.0.0.1:" + node.port();
      String nodeAdmin = ManagementTest.base(node) + "/admin";
      TestProbe<Object> nodeProbe = TestProbe.create(node.system());
      // As an operator would: the node is drained once /admin/nodes shows it (its slots registered).
      awaitNode(nodeProbe, nodeAdmin, self);

      // An attempt that runs until the test lets it finish.
      String session = uid("s");
      Path release = marks.resolve("release");
      String before = dispatch(nodeApi, DEFAULT_TOKEN, session, uid("before"),
          "touch '" + marks.resolve("before-started") + "'; while [ ! -e '" + release + "' ]; do sleep 0.1; done; echo finished");
      nodeProbe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
        assertEquals("running", get(nodeApi + "/v1/tasks/" + before, bearer(DEFAULT_TOKEN)).json().get("status").asText());
        return null;
      });

      Answer drained = post(nodeAdmin + "/nodes/" + URLEncoder.encode(self, StandardCharsets.UTF_8) + "/drain", OPERATOR);
      assertEquals(202, drained.status(), drained.toString());
      assertEquals(self, drained.json().get("address").asText());
      assertEquals(8, drained.json().get("maxRunning").asInt());
      assertEquals(1, drained.json().get("running").asInt(), drained.toString());
      nodeProbe.awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(100), () -> {
        assertTrue(awaitNode(nodeProbe, nodeAdmin, self).get("draining").asBoolean());
        return null;
      });

      // Dispatched while it drains: accepted (the API still serves), but no attempt starts: the
      // task waits for a slot of this node (queued), pending, with 7 of the 8 slots free.
      Path afterStarted = marks.resolve("after-started");
      String after = dispatch(nodeApi, DEFAULT_TOKEN, session, uid("after"), "touch '" + afterStarted + "'");
      nodeProbe.awaitAssert(Duration.ofSeconds(15), Duration.ofMillis(100), () -> {
        JsonNode load = awaitNode(nodeProbe, nodeAdmin, self);
        assertEquals(1, load.get("running").asInt(), load.toString());
        assertEquals(1, load.get("queued").asInt(), load.toString());
        return null;
      });
      JsonNode waiting = get(nodeApi + "/v1/tasks/" + after, bearer(DEFAULT_TOKEN)).json();
      assertEquals("pending", waiting.get("status").asText(), waiting.toString());
      assertEquals(0, waiting.path("attempt").asInt(), waiting.toString());

      // The running attempt finishes: its result is answered before the node unbinds its API.
      CompletableFuture<HttpResponse<String>> result = HttpClient.newHttpClient().sendAsync(
          HttpRequest.newBuilder(URI.create(nodeApi + "/v1/tasks/" + before + "/result?waitSeconds=60"))
              .header("Authorization", bearer(DEFAULT_TOKEN)).timeout(Duration.ofSeconds(75)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      nodeProbe.awaitAssert(Duration.ofSeconds(10), Duration.ofMillis(100), () -> {
        assertTrue(Files.exists(marks.resolve("before-started")));
        return null;
      });
      Files.createFile(release);
      HttpResponse<String> finished = result.get(75, TimeUnit.SECONDS);
      assertEquals(200, finished.statusCode(), finished.body());
      assertEquals("completed", OperatorClient.JSON.readTree(finished.body()).get("status").asText(), finished.body());

      // With nothing running any more the drain ends and the node leaves: the waiting task never
      // started on it.
      node.system().getWhenTerminated().toCompletableFuture().get(90, TimeUnit.SECONDS);
      assertFalse(Files.exists(afterStarted), "the task dispatched during the drain ran on the draining node");
    } finally {
      node.stop();
    }
  }

  @Test
  void answers503UntilTheRunningNodeIsAttached() throws Exception {
    // A system with the server's management settings but no Taskforce on it (yet).
    ActorSystem<Void> bare = ActorSystem.create(Behaviors.empty(), "taskforce",
        ServerMain.managementSettings(TestConfigs.h2(TestConfigs.freshDataDir(), SETTINGS)));
    try {
      Uri uri = PekkoManagement.get(bare.classicSystem()).start().toCompletableFuture().get();
      String base = uri.toString().replaceAll("/$", "");
      Answer tasks = get(base + "/admin/tasks", OPERATOR);
      assertProblem(tasks, 503, "unavailable", null);
      assertTrue(tasks.headers().firstValue("Retry-After").isPresent(), tasks.headers().map().toString());
      assertProblem(get(base + "/admin/nodes", OPERATOR), 503, "unavailable", null);
      assertProblem(post(base + "/admin/tasks/default/t-1/cancel", OPERATOR), 503, "unavailable", null);
      assertProblem(get(base + "/metrics", OPERATOR), 503, "unavailable", null);
      Answer ready = get(base + "/ready", null);
      assertEquals(503, ready.status(), ready.toString());
      assertTrue(ready.body().contains("not started"), ready.body());
      assertEquals(200, get(base + "/alive", null).status());
      assertEquals(401, get(base + "/admin/tasks", null).status());
    } finally {
      bare.terminate();
      bare.getWhenTerminated().toCompletableFuture().get();
    }
  }

  // ---- helpers

  /** The node's entry in {@code GET /admin/nodes}, once it is listed there. */
  private static JsonNode awaitNode(TestProbe<Object> probe, String admin, String address) {
    java.util.concurrent.atomic.AtomicReference<JsonNode> found = new java.util.concurrent.atomic.AtomicReference<>();
    probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
      Answer nodes = get(admin + "/nodes", OPERATOR);
      assertEquals(200, nodes.status(), nodes.toString());
      for (JsonNode node : nodes.json().get("items")) {
        if (node.get("address").asText().equals(address)) found.set(node);
      }
      assertNotNull(found.get(), nodes.toString());
      return null;
    });
    return found.get();
  }

  private String dispatch(String token, String session, String id, String script) {
    return dispatch(api, token, session, id, script);
  }

  private static String dispatch(String api, String token, String session, String id, String script) {
    ObjectNode spec = OperatorClient.JSON.createObjectNode();
    spec.put("id", id);
    spec.put("executor", "process");
    spec.putObject("input").putArray("command").add("bash").add("-c").add(script);
    Answer answer = OperatorClient.postJson(api + "/v1/sessions/" + session + "/tasks", bearer(token), spec.toString());
    assertEquals(202, answer.status(), answer.toString());
    return answer.json().get("id").asText();
  }

  private void cancel(String key) {
    String[] parts = key.split("/", 2);
    post(admin + "/tasks/" + parts[0] + "/" + parts[1] + "/cancel", OPERATOR);
  }

  private static Set<String> keys(Answer page) {
    assertEquals(200, page.status(), page.toString());
    Set<String> keys = new HashSet<>();
    for (JsonNode item : page.json().get("items")) {
      keys.add(key(item.get("tenant").asText(), item.get("task").get("id").asText()));
    }
    return keys;
  }

  private static String key(String tenant, String taskId) {
    return tenant + "/" + taskId;
  }

  private static String uid(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static void assertProblem(Answer answer, int status, String word, String field) {
    assertEquals(status, answer.status(), answer.toString());
    assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType() + " " + answer);
    JsonNode problem = answer.json();
    assertEquals("/problems/" + word, problem.get("type").asText(), answer.toString());
    assertEquals(status, problem.get("status").asInt());
    assertTrue(problem.hasNonNull("title") && problem.hasNonNull("detail"), answer.toString());
    if (field != null) assertEquals(field, problem.path("field").asText(), answer.toString());
  }
}
