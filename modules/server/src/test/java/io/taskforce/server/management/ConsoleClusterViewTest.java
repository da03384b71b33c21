package io.taskforce.server.management;

import static io.taskforce.server.management.AdminRoutesTest.assertProblem;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The console's cluster view on the API port ({@code GET /console/api/nodes}, {@code GET
 * /console/features.json}) on a real node: behind the operator credentials of the management
 * routes, not served without them, and the node's real running and queued attempts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleClusterViewTest {
  private static final String TOKEN = "console-cluster-test-token-0001";
  private static final String OPERATOR = basic("operator", "s3cret-password");
  private static final String COMMON = String.join("\n",
      "taskforce.http.port = 0",
      "taskforce.server.token = \"\"",
      "taskforce.server.tokens = \"default=" + TOKEN + "\"",
      "taskforce.executors.process.kill-grace = 2s",
      "taskforce.node.max-running = 2");

  private ServerMain server;
  private String api;

  @BeforeAll
  void start() throws Exception {
    server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), COMMON + "\n"
        + "taskforce.server.admin-user = operator\n"
        + "taskforce.server.admin-password = \"s3cret-password\""));
    api = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  void stop() {
    if (server != null) server.stop();
  }

  @Test
  void refusesRequestsWithoutTheOperatorCredentials() {
    for (String authorization : new String[] {null, basic("operator", "wrong-password"), basic("someone", "s3cret-password"),
        basic("operator", "s3cret-password-and-more"), basic("", ""), bearer(TOKEN), "Basic not*base64", "Basic "
        + java.util.Base64.getEncoder().encodeToString("no-colon".getBytes(java.nio.charset.StandardCharsets.UTF_8))}) {
      Answer answer = get(api + "/console/api/nodes", authorization);
      assertProblem(answer, 401, "unauthorized", null);
      assertEquals("Basic realm=\"taskforce-operators\", charset=\"UTF-8\"",
          answer.headers().firstValue("WWW-Authenticate").orElse(""), String.valueOf(authorization));
      assertFalse(answer.body().contains("pekko://"), answer.body());
    }
  }

  @Test
  void saysTheClusterViewIsThere() {
    Answer features = get(api + "/console/features.json", null);
    assertEquals(200, features.status(), features.toString());
    assertEquals("application/json", features.contentType());
    assertTrue(features.json().get("cluster").asBoolean(), features.toString());
  }

  @Test
  void showsTheNodesRunningAndQueuedAttempts() {
    String self = Cluster.get(server.system()).selfMember().address().toString();
    List<String> tasks = new ArrayList<>();
    try {
      // Three sleeping tasks in three sessions on a node with two slots: two run, one waits.
      for (int i = 0; i < 3; i++) tasks.add(dispatch("console-cluster-" + uid(), "sleep 120"));
      JsonNode node = awaitNode(self, n -> n.path("running").asInt() == 2 && n.path("queued").asInt() == 1);
      assertEquals(2, node.get("maxRunning").asInt(), node.toString());
      assertEquals("up", node.get("status").asText(), node.toString());
      assertTrue(node.get("reachable").asBoolean(), node.toString());
      assertFalse(node.get("draining").asBoolean(), node.toString());
      assertTrue(node.get("roles").isArray(), node.toString());

      Answer answer = get(api + "/console/api/nodes", OPERATOR);
      assertEquals("application/json", answer.contentType());
      assertEquals("no-store", answer.headers().firstValue("Cache-Control").orElse(""));
      assertTrue(answer.json().hasNonNull("at"), answer.toString());
      // The same numbers as the admin route on the management port.
      Answer admin = get(ManagementTest.base(server) + "/admin/nodes", OPERATOR);
      JsonNode adminNode = admin.json().get("items").get(0);
      assertEquals(self, adminNode.get("address").asText(), admin.toString());
      assertEquals(2, adminNode.get("running").asInt(), admin.toString());
      assertEquals(1, adminNode.get("queued").asInt(), admin.toString());
    } finally {
      for (String task : tasks) post(api + "/v1/tasks/" + task + "/cancel", bearer(TOKEN));
    }
    awaitNode(self, n -> n.path("running").asInt() == 0 && n.path("queued").asInt() == 0);
  }

  @Test
  void isNotServedWithoutOperatorCredentials() throws Exception {
    ServerMain bare = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), COMMON));
    try {
      String base = "http://127.0.0.1:" + bare.port();
      for (String authorization : new String[] {null, OPERATOR, bearer(TOKEN)}) {
        Answer nodes = get(base + "/console/api/nodes", authorization);
        assertEquals(404, nodes.status(), nodes.toString());
        assertFalse(nodes.headers().firstValue("WWW-Authenticate").isPresent(), nodes.headers().map().toString());
      }
      Answer features = get(base + "/console/features.json", null);
      assertEquals(200, features.status(), features.toString());
      assertFalse(features.json().get("cluster").asBoolean(), features.toString());
      assertEquals(200, get(base + "/", null).status());
    } finally {
      bare.stop();
    }
  }

  // ---- helpers

  /** This node's row in the cluster view, once {@code wanted} holds for it. */
  private JsonNode awaitNode(String address, java.util.function.Predicate<JsonNode> wanted) {
    AtomicReference<JsonNode> found = new AtomicReference<>();
    TestProbe.create(server.system()).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
      Answer nodes = get(api + "/console/api/nodes", OPERATOR);
      assertEquals(200, nodes.status(), nodes.toString());
      JsonNode first = nodes.json().get("items").get(0);
      assertNotNull(first, nodes.toString());
      assertEquals(address, first.get("address").asText(), nodes.toString());
      assertTrue(wanted.test(first), nodes.toString());
      found.set(first);
      return null;
    });
    return found.get();
  }

  private String dispatch(String session, String script) {
    ObjectNode spec = OperatorClient.JSON.createObjectNode();
    spec.put("executor", "process");
    spec.putObject("input").putArray("command").add("bash").add("-c").add(script);
    Answer answer = OperatorClient.postJson(api + "/v1/sessions/" + session + "/tasks", bearer(TOKEN), spec.toString());
    assertEquals(202, answer.status(), answer.toString());
    return answer.json().get("id").asText();
  }

  private static String uid() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
