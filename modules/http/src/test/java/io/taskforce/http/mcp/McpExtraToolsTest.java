package io.taskforce.http.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tools given to the endpoint besides Taskforce's own ({@link McpTool}), here the conformance fixtures. */
class McpExtraToolsTest {
  static McpTestServer server;

  @BeforeAll
  static void start() {
    server = McpTestServer.start(ConformanceFixtures.tools());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static McpClient connected(String capabilities) {
    McpClient client = server.client();
    client.initialize("2025-11-25", McpClient.object(capabilities), Map.of());
    return client;
  }

  @Test
  void extraToolsAreListedAfterTaskforcesOwnAndNeverRunAsTasks() {
    McpClient client = connected("{}");
    List<String> names = new ArrayList<>();
    for (JsonNode tool : client.result("tools/list", null).get("tools")) {
      names.add(tool.get("name").asText());
      if (tool.get("name").asText().startsWith("test_")) {
        assertEquals("forbidden", tool.path("execution").path("taskSupport").asText(), tool.toString());
      }
    }
    assertEquals("dispatch_task", names.get(0));
    assertEquals(List.of("test_simple_text", "test_error_handling", "test_tool_with_progress", "test_elicitation",
        "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums"), names.subList(10, names.size()));
    JsonNode asTask = client.call("tools/call", McpClient.object("{\"name\":\"test_simple_text\",\"task\":{}}"));
    assertEquals(JsonRpc.METHOD_NOT_FOUND, asTask.path("error").path("code").asInt(), asTask.toString());
    assertTrue(client.tool("test_error_handling", "{}").path("isError").asBoolean());
  }

  @Test
  void aNameTaskforceUsesIsRefused() {
    McpTool clash = new McpTool() {
      @Override
      public ObjectNode definition() {
        return McpClient.object("{\"name\":\"get_task\",\"description\":\"x\",\"inputSchema\":{\"type\":\"object\"}}");
      }

      @Override
      public java.util.concurrent.CompletionStage<ObjectNode> call(McpToolCall call) {
        return CompletableFuture.completedFuture(McpTool.text("never"));
      }
    };
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new McpEndpoint(server.tf,
        new Tokens(Map.of("t", "default")), HttpApi.Settings.from(server.config), McpSettings.defaults(), List.of(clash)));
    assertTrue(refused.getMessage().contains("get_task"), refused.getMessage());
  }

  @Test
  void progressGoesWithTheRequestsTokenOnItsStream() {
    McpClient client = connected("{}");
    List<JsonNode> others = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tools/call",
        McpClient.object("{\"name\":\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{\"progressToken\":7}}"), others::add);
    assertTrue(response.has("result"), response.toString());
    List<Double> values = new ArrayList<>();
    for (JsonNode message : others) {
      assertEquals("notifications/progress", message.path("method").asText(), message.toString());
      assertEquals(7, message.path("params").path("progressToken").asInt());
      values.add(message.path("params").path("progress").asDouble());
    }
    assertEquals(List.of(0.0, 50.0, 100.0), values);
  }

  @Test
  void anElicitationIsAskedOnTheCallsStreamAndADeclineComesBack() {
    McpClient client = connected("{\"elicitation\":{}}");
    List<JsonNode> asked = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tools/call",
        McpClient.object("{\"name\":\"test_elicitation\",\"arguments\":{\"message\":\"who are you?\"}}"), message -> {
          asked.add(message);
          assertEquals(202, client.reply(message.get("id"), McpClient.object("{\"action\":\"decline\"}")).status());
        });
    assertEquals(1, asked.size(), asked.toString());
    assertEquals("elicitation/create", asked.get(0).path("method").asText());
    assertEquals("who are you?", asked.get(0).path("params").path("message").asText());
    assertEquals("form", asked.get(0).path("params").path("mode").asText());
    String text = response.path("result").path("content").get(0).path("text").asText();
    assertTrue(text.contains("action=decline"), response.toString());

    // A client that declared no elicitation is not asked: the tool answers an error instead.
    JsonNode refused = connected("{}").tool("test_elicitation", "{\"message\":\"who are you?\"}");
    assertTrue(refused.path("isError").asBoolean(), refused.toString());
  }
}
