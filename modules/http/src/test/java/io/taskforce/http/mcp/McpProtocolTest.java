package io.taskforce.http.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON-RPC layer and the Streamable HTTP transport of /mcp, against a real server. */
class McpProtocolTest {
  static McpTestServer server;

  @BeforeAll
  static void start() {
    server = McpTestServer.start("taskforce.http.mcp.max-json-wait = 1s", "taskforce.http.max-body-size = 64k");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void assertRpcError(McpClient.Response r, int status, int code) {
    assertEquals(status, r.status(), r.body());
    assertEquals(code, r.json().path("error").path("code").asInt(), r.body());
    assertTrue(r.json().path("error").path("message").isTextual(), r.body());
  }

  private static void assertError(JsonNode response, int code) {
    assertEquals(code, response.path("error").path("code").asInt(), response.toString());
  }

  // ---- lifecycle and version negotiation

  @Test
  void initializeNegotiatesTheNewestRevisionAndIssuesASession() {
    McpClient client = server.client();
    JsonNode result = client.initialize();
    assertEquals("2025-11-25", result.get("protocolVersion").asText());
    assertNotNull(client.sessionId);
    assertTrue(client.sessionId.chars().allMatch(c -> c >= 0x21 && c <= 0x7E), client.sessionId);
    assertEquals("taskforce", result.path("serverInfo").path("name").asText());
    JsonNode tasks = result.path("capabilities").path("tasks");
    assertTrue(tasks.path("list").isObject() && tasks.path("cancel").isObject(), result.toString());
    assertTrue(tasks.path("requests").path("tools").path("call").isObject(), result.toString());
    assertTrue(result.path("capabilities").path("tools").isObject());
    assertTrue(result.path("instructions").asText().contains("get_updates"));
    assertEquals(JsonNode.class.cast(McpClient.JSON.createObjectNode()), client.result("ping", null));
  }

  @Test
  void anOlderRevisionIsSpokenWithoutTasksAndAnUnknownOneIsAnsweredWithTheNewest() {
    McpClient old = server.client();
    JsonNode result = old.initialize("2025-06-18", null, Map.of());
    assertEquals("2025-06-18", result.get("protocolVersion").asText());
    assertTrue(result.path("capabilities").path("tasks").isMissingNode(), result.toString());
    for (JsonNode tool : old.result("tools/list", null).get("tools")) assertFalse(tool.has("execution"), tool.toString());
    assertError(old.call("tasks/list", null), JsonRpc.METHOD_NOT_FOUND);

    McpClient unknown = server.client();
    assertEquals("2025-11-25", unknown.initialize("1999-01-01", null, Map.of()).get("protocolVersion").asText());
    McpClient oldest = server.client();
    assertEquals("2025-03-26", oldest.initialize("2025-03-26", null, Map.of()).get("protocolVersion").asText());
  }

  @Test
  void theProtocolVersionHeaderMustBeASupportedOne() {
    McpClient client = server.client();
    client.initialize();
    client.version = "2024-01-01";
    assertRpcError(client.postRaw(McpClient.message(1, "ping", null).toString()), 400, JsonRpc.INVALID_REQUEST);
    client.version = "not-a-version";
    assertRpcError(client.postRaw(McpClient.message(2, "ping", null).toString()), 400, JsonRpc.INVALID_REQUEST);
    assertEquals(400, client.send(client.request(Map.of("Accept", "text/event-stream")).GET()).status());
    // A supported revision other than the negotiated one is no error (the conformance suite sends one).
    client.version = "2025-03-26";
    assertEquals(200, client.postRaw(McpClient.message(6, "ping", null).toString()).status());
    client.version = null; // absent: the negotiated one is assumed
    assertEquals(200, client.postRaw(McpClient.message(3, "ping", null).toString()).status());
    client.version = "2025-11-25";
    assertEquals(200, client.postRaw(McpClient.message(4, "ping", null).toString()).status());
  }

  // ---- sessions

  @Test
  void requestsNeedALiveSessionOfTheirOwnTenant() {
    McpClient client = server.client();
    // No session yet: 400.
    assertRpcError(client.postRaw(McpClient.message(1, "tools/list", null).toString()), 400, JsonRpc.INVALID_REQUEST);
    // An unknown session: 404, so the client initializes again.
    client.sessionId = "no-such-session";
    assertRpcError(client.postRaw(McpClient.message(2, "tools/list", null).toString()), 404, JsonRpc.SESSION_NOT_FOUND);

    client.initialize();
    // initialize again within a session: refused.
    assertRpcError(client.postRaw(McpClient.message(3, "initialize",
        McpClient.object("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}"))
        .toString()), 400, JsonRpc.INVALID_REQUEST);
    // Another tenant's token with this session id: unknown to it.
    McpClient intruder = server.client(McpTestServer.OTHER_TOKEN);
    intruder.sessionId = client.sessionId;
    assertRpcError(intruder.postRaw(McpClient.message(4, "tools/list", null).toString()), 404, JsonRpc.SESSION_NOT_FOUND);
    // DELETE ends it; then it is unknown.
    assertEquals(200, client.delete().status());
    assertRpcError(client.postRaw(McpClient.message(5, "tools/list", null).toString()), 404, JsonRpc.SESSION_NOT_FOUND);
    assertEquals(404, client.delete().status());
    client.sessionId = null;
    assertEquals(400, client.delete().status());
  }

  @Test
  void theTaskforceSessionIsChosenWithTheQueryOrHeaderAndChecked() {
    McpClient chosen = new McpClient(java.net.URI.create(server.mcp + "?session=agent-7"), McpTestServer.TOKEN);
    assertTrue(chosen.initialize().path("instructions").asText().contains("'agent-7'"));
    McpClient byHeader = server.client();
    byHeader.initialize("2025-11-25", null, Map.of("Taskforce-Session", "agent-8"));
    JsonNode dispatched = byHeader.tool("dispatch_task", "{\"executor\":\"echo\",\"input\":{\"x\":1}}");
    assertEquals("agent-8", dispatched.path("structuredContent").path("sessionId").asText(), dispatched.toString());

    McpClient bad = new McpClient(java.net.URI.create(server.mcp + "?session=bad%20id"), McpTestServer.TOKEN);
    McpClient.Response r = bad.postRaw(McpClient.message(1, "initialize",
        McpClient.object("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}"))
        .toString());
    assertEquals(JsonRpc.INVALID_PARAMS, r.json().path("error").path("code").asInt(), r.body());
    assertEquals(null, r.header("Mcp-Session-Id"));
  }

  // ---- the JSON-RPC error codes

  @Test
  void parseError() {
    McpClient client = server.client();
    client.initialize();
    McpClient.Response r = client.postRaw("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
    assertRpcError(r, 400, JsonRpc.PARSE_ERROR);
    assertTrue(r.json().get("id").isNull());
    assertRpcError(client.postRaw(""), 400, JsonRpc.PARSE_ERROR);
    assertRpcError(client.postRaw("{} trailing"), 400, JsonRpc.PARSE_ERROR);
  }

  @Test
  void invalidRequests() {
    McpClient client = server.client();
    client.initialize();
    for (String body : new String[] {
        "42",
        "\"ping\"",
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
        "{\"id\":1,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":3}",
        "{\"jsonrpc\":\"2.0\",\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
    }) {
      McpClient.Response r = client.postRaw(body);
      assertRpcError(r, 400, JsonRpc.INVALID_REQUEST);
      assertTrue(r.json().get("id").isNull(), body + " → " + r.body());
    }
  }

  @Test
  void methodNotFound() {
    McpClient client = server.client();
    client.initialize();
    for (String method : new String[] {"resources/list", "prompts/list", "no/such/method", "logging/setLevel"}) {
      JsonNode response = client.call(method, McpClient.JSON.createObjectNode());
      assertError(response, JsonRpc.METHOD_NOT_FOUND);
    }
    // A tool whose taskSupport is forbidden, called as a task: -32601 as the tasks utility says.
    ObjectNode params = McpClient.object("{\"name\":\"get_task\",\"arguments\":{\"task_id\":\"x\"},\"task\":{\"ttl\":60000}}");
    assertError(client.call("tools/call", params), JsonRpc.METHOD_NOT_FOUND);
  }

  @Test
  void invalidParams() {
    McpClient client = server.client();
    client.initialize();
    assertError(client.call("tools/call", McpClient.object("{}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tools/call", McpClient.object("{\"name\":\"no_such_tool\"}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tools/call", McpClient.object("{\"name\":\"get_task\",\"arguments\":[1]}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/get", McpClient.object("{}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/get", McpClient.object("{\"taskId\":\"t-unknown\"}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/result", McpClient.object("{\"taskId\":\"t-unknown\"}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/cancel", McpClient.object("{\"taskId\":\"t-unknown\"}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/list", McpClient.object("{\"cursor\":\"not-a-cursor\"}")), JsonRpc.INVALID_PARAMS);
    client.tool("dispatch_task", "{\"executor\":\"echo\"}"); // now the session exists: the cursor is still refused
    assertError(client.call("tasks/list", McpClient.object("{\"cursor\":\"not-a-cursor\"}")), JsonRpc.INVALID_PARAMS);
    assertError(client.call("tasks/list", McpClient.object("{\"cursor\":17}")), JsonRpc.INVALID_PARAMS);
    McpClient.Response arrayParams = client.postRaw("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":[]}");
    assertRpcError(arrayParams, 200, JsonRpc.INVALID_PARAMS);
    assertEquals(9, arrayParams.json().get("id").asInt());
  }

  @Test
  void internalErrorWhenTasksResultCannotWaitWithoutAStream() {
    McpClient client = server.client();
    client.initialize();
    ObjectNode params = McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"gate\","
        + "\"input\":{\"gate\":\"proto-internal\"}},\"task\":{}}");
    String taskId = client.result("tools/call", params).path("task").path("taskId").asText();
    // Accept: application/json only, so no SSE stream: tasks/result waits max-json-wait (1 s) and gives up.
    McpClient.Response r = client.postRaw(McpClient.message(5, "tasks/result",
        McpClient.object("{\"taskId\":\"" + taskId + "\"}")).toString(), Map.of("Accept", "application/json"));
    assertRpcError(r, 200, JsonRpc.INTERNAL_ERROR);
    io.taskforce.testing.TestExecutors.gate("proto-internal").complete(McpClient.object("{\"done\":true}"));
  }

  // ---- batches (revision 2025-03-26 only)

  @Test
  void batchesAreRefusedSince2025_06_18AndFollowJsonRpcIn2025_03_26() {
    McpClient client = server.client();
    client.initialize();
    String batch = "[" + McpClient.message(1, "ping", null) + "," + McpClient.message(2, "tools/list", null) + "]";
    assertRpcError(client.postRaw(batch), 400, JsonRpc.INVALID_REQUEST);

    McpClient old = server.client();
    old.initialize("2025-03-26", null, Map.of());
    McpClient.Response r = old.postRaw("[" + McpClient.message(1, "ping", null) + ",{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
        + "{\"foo\":1}," + McpClient.message(3, "nope", null) + "]");
    assertEquals(200, r.status(), r.body());
    JsonNode answers = r.json();
    assertEquals(3, answers.size(), r.body());
    assertTrue(answers.get(0).path("result").isObject());
    assertEquals(JsonRpc.INVALID_REQUEST, answers.get(1).path("error").path("code").asInt());
    assertEquals(JsonRpc.METHOD_NOT_FOUND, answers.get(2).path("error").path("code").asInt());
    assertEquals(202, old.postRaw("[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]").status());
    assertRpcError(old.postRaw("[]"), 400, JsonRpc.INVALID_REQUEST);
  }

  // ---- the transport

  @Test
  void notificationsAndResponsesAreAcceptedWithNoBody() {
    McpClient client = server.client();
    client.initialize();
    McpClient.Response n = client.postRaw("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":77}}");
    assertEquals(202, n.status());
    assertEquals("", n.body());
    McpClient.Response reply = client.reply(McpClient.JSON.getNodeFactory().textNode("never-asked"), McpClient.JSON.createObjectNode());
    assertEquals(202, reply.status());
  }

  @Test
  void theHttpSideIsChecked() {
    McpClient client = server.client();
    client.initialize();
    assertEquals(415, client.postRaw(McpClient.message(1, "ping", null).toString(), Map.of("Content-Type", "text/plain")).status());
    assertEquals(406, client.postRaw(McpClient.message(1, "ping", null).toString(), Map.of("Accept", "text/html")).status());
    String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"" + "a".repeat(70_000) + "\"}}";
    assertEquals(413, client.postRaw(big).status());
    McpClient.Response put = client.send(client.request(Map.of()).PUT(HttpRequest.BodyPublishers.ofString("{}")));
    assertEquals(405, put.status());
    assertEquals("GET, POST, DELETE", put.header("Allow"));
    McpClient.Response notSse = client.send(client.request(Map.of("Accept", "application/json")).GET());
    assertEquals(406, notSse.status());
  }

  @Test
  void getOpensOneServerStreamPerSession() throws Exception {
    McpClient client = server.client();
    client.initialize();
    HttpResponse<java.io.InputStream> stream = client.http().send(
        client.request(Map.of("Accept", "text/event-stream")).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try {
      assertEquals(200, stream.statusCode());
      assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      McpClient.Response second = client.send(client.request(Map.of("Accept", "text/event-stream")).GET());
      assertEquals(409, second.status(), second.body());
      // A keep-alive comment arrives within the keep-alive interval (1 s here).
      byte[] first = new byte[16];
      var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return stream.body().read(first);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertTrue(read.get(10, TimeUnit.SECONDS) > 0);
      assertTrue(new String(first, java.nio.charset.StandardCharsets.UTF_8).startsWith(":"));
    } finally {
      stream.body().close();
    }
    McpClient nobody = server.client();
    nobody.sessionId = "unknown";
    assertEquals(404, nobody.send(nobody.request(Map.of("Accept", "text/event-stream")).GET()).status());
  }

  // ---- Origin, Host and the token

  @Test
  void dnsRebindingIsRefusedBeforeAnythingElse() {
    McpClient client = server.client();
    String init = McpClient.message(1, "initialize",
        McpClient.object("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}"))
        .toString();
    assertRpcError(client.postRaw(init, Map.of("Origin", "http://evil.example.com")), 403, JsonRpc.FORBIDDEN);
    assertRpcError(client.postRaw(init, Map.of("Origin", "null")), 403, JsonRpc.FORBIDDEN);
    // A loopback page (the console, a local tool) may call it.
    assertEquals(200, client.postRaw(init, Map.of("Origin", "http://localhost:3000")).status());
    assertEquals(200, client.postRaw(init, Map.of("Origin", "http://127.0.0.1:" + server.port)).status());
    // The Host header: the JDK client will not set it, so this one goes by raw socket.
    assertEquals(403, rawStatus("POST /mcp HTTP/1.1\r\nHost: evil.example.com\r\nAuthorization: Bearer " + McpTestServer.TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: " + init.length() + "\r\nConnection: close\r\n\r\n" + init));
    assertEquals(200, rawStatus("POST /mcp HTTP/1.1\r\nHost: localhost:" + server.port + "\r\nAuthorization: Bearer " + McpTestServer.TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: " + init.length() + "\r\nConnection: close\r\n\r\n" + init));
    // An origin refused even without a token: 403 comes first.
    McpClient anonymous = server.client(null);
    assertEquals(403, anonymous.postRaw(init, Map.of("Origin", "https://evil.example.com")).status());
  }

  @Test
  void aBearerTokenIsRequired() {
    String init = McpClient.message(1, "initialize",
        McpClient.object("{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}"))
        .toString();
    for (McpClient client : new McpClient[] {server.client(null), server.client("wrong-token")}) {
      McpClient.Response r = client.postRaw(init);
      assertRpcError(r, 401, JsonRpc.UNAUTHORIZED);
      assertTrue(r.header("WWW-Authenticate").startsWith("Bearer"), String.valueOf(r.header("WWW-Authenticate")));
      assertEquals(401, client.send(client.request(Map.of("Accept", "text/event-stream")).GET()).status());
      assertEquals(401, client.delete().status());
    }
  }

  private static int rawStatus(String request) {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
