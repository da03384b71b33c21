package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletionStage;

/**
 * A tool that {@code /mcp} serves beside Taskforce's own (an embedding host's, or a test's): it is
 * listed by {@code tools/list} after them and called through {@link McpToolCall}, which gives it
 * the caller's tenant and session and the request's own channel back to the client (progress
 * notifications through the request's {@code progressToken}, elicitation on its SSE stream).
 * Extra tools are given to {@code new HttpApi(tf, tokens, settings, tools)}; a name that one of
 * Taskforce's tools has is refused there. They cannot be called as MCP tasks
 * ({@code execution.taskSupport} is {@code forbidden}).
 */
public interface McpTool {
  /**
   * The tool as {@code tools/list} shows it: at least {@code name}, {@code description} and
   * {@code inputSchema}; {@code execution.taskSupport}, if given, must be {@code forbidden}.
   */
  ObjectNode definition();

  /**
   * Whether a call may take long or talk to the client while it runs (progress, elicitation): then
   * its answer goes on an SSE stream when the client takes one. Otherwise it is one JSON body.
   */
  default boolean streams() {
    return true;
  }

  /**
   * Runs one call; the answer is a {@code CallToolResult} (see {@link #text} and {@link #error}).
   * What goes wrong in the tool's own terms is best answered with {@link #error}, so the model can
   * read it; a failed stage is a JSON-RPC internal error.
   */
  CompletionStage<ObjectNode> call(McpToolCall call);

  /** A {@code CallToolResult} of one text. */
  static ObjectNode text(String text) {
    return TaskMapping.toolResult(text, null);
  }

  /** A {@code CallToolResult} of one text with {@code isError: true}. */
  static ObjectNode error(String text) {
    return TaskMapping.toolError(text);
  }
}
