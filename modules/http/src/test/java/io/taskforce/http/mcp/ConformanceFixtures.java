package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The fixture tools that scenarios of the official conformance suite call by name
 * ({@code test_simple_text}, {@code test_error_handling}, {@code test_tool_with_progress}, the
 * elicitation ones), as the suite describes them. Test-only: {@link McpTestServer} registers them
 * through the endpoint's extra tools ({@link McpTool}); Taskforce itself never lists them. They run
 * on the same machinery as Taskforce's tools: progress through the request's {@code progressToken},
 * elicitation as a server request on the call's SSE stream, answered by a client POST.
 */
final class ConformanceFixtures {
  private ConformanceFixtures() {}

  static List<McpTool> tools() {
    return List.of(
        tool("test_simple_text", "Returns a simple text (conformance fixture).", "{}", false,
            call -> done(McpTool.text("This is a simple text response for testing."))),
        tool("test_error_handling", "Always answers a tool error (conformance fixture).", "{}", false,
            call -> done(McpTool.error("This tool intentionally returns an error for testing"))),
        tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100, ~50 ms apart (conformance fixture).", "{}", true,
            ConformanceFixtures::withProgress),
        tool("test_elicitation", "Asks the user for a username and an email (conformance fixture).",
            "{\"message\":{\"type\":\"string\",\"description\":\"The message to show the user\"}}", true,
            call -> elicit(call, call.arguments().path("message").asText("Please provide your information"),
                "{\"type\":\"object\",\"properties\":{"
                    + "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
                    + "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
                    + "\"required\":[\"username\",\"email\"]}",
                "User response: ")),
        tool("test_elicitation_sep1034_defaults", "Elicits fields with default values (conformance fixture, SEP-1034).", "{}", true,
            call -> elicit(call, "Please review and update the form fields with defaults",
                "{\"type\":\"object\",\"properties\":{"
                    + "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
                    + "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
                    + "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
                    + "\"status\":{\"type\":\"string\",\"description\":\"User status\",\"enum\":[\"active\",\"inactive\",\"pending\"],"
                    + "\"default\":\"active\"},"
                    + "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}},"
                    + "\"required\":[]}",
                "Elicitation completed: ")),
        tool("test_elicitation_sep1330_enums", "Elicits the five enum shapes (conformance fixture, SEP-1330).", "{}", true,
            call -> elicit(call, "Please select options from the enum fields",
                "{\"type\":\"object\",\"properties\":{"
                    + "\"untitledSingle\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]},"
                    + "\"titledSingle\":{\"type\":\"string\",\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
                    + "{\"const\":\"value2\",\"title\":\"Second Option\"},{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
                    + "\"legacyEnum\":{\"type\":\"string\",\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
                    + "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
                    + "\"untitledMulti\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
                    + "\"titledMulti\":{\"type\":\"array\",\"items\":{\"anyOf\":[{\"const\":\"value1\",\"title\":\"First Choice\"},"
                    + "{\"const\":\"value2\",\"title\":\"Second Choice\"},{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},"
                    + "\"required\":[]}",
                "Elicitation completed: ")));
  }

  private static CompletionStage<ObjectNode> withProgress(McpToolCall call) {
    Executor later = CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS);
    call.progress(0, 100.0, null);
    return CompletableFuture.supplyAsync(() -> call.progress(50, 100.0, null), later)
        .thenApplyAsync(sent -> call.progress(100, 100.0, null), later)
        .thenApply(sent -> McpTool.text("Progress reported: 0, 50 and 100 of 100"
            + (call.hasProgressToken() ? "." : " (no progressToken, so no notifications).")));
  }

  private static CompletionStage<ObjectNode> elicit(McpToolCall call, String message, String schema, String prefix) {
    if (!call.canElicit()) return done(McpTool.error("The client does not take elicitation (no elicitation capability)."));
    return call.elicit(message, McpClient.object(schema)).thenApply(result -> {
      JsonNode content = result.path("content");
      return McpTool.text(prefix + "action=" + result.path("action").asText() + ", content="
          + (content.isMissingNode() ? "{}" : content.toString()));
    });
  }

  private static McpTool tool(String name, String description, String properties, boolean streams,
      Function<McpToolCall, CompletionStage<ObjectNode>> body) {
    ObjectNode definition = McpClient.object("{\"inputSchema\":{\"type\":\"object\",\"properties\":" + properties + "}}");
    definition.put("name", name);
    definition.put("description", description);
    return new McpTool() {
      @Override
      public ObjectNode definition() {
        return definition;
      }

      @Override
      public boolean streams() {
        return streams;
      }

      @Override
      public CompletionStage<ObjectNode> call(McpToolCall call) {
        return body.apply(call);
      }
    };
  }

  private static CompletionStage<ObjectNode> done(ObjectNode result) {
    return CompletableFuture.completedFuture(result);
  }
}
