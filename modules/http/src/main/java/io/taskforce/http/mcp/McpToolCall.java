package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One call of an {@link McpTool}: its arguments, who called it, and the request's channel back to
 * the client. Progress and elicitation need the answer to go on an SSE stream (the tool
 * {@link McpTool#streams() streams} and the client accepts {@code text/event-stream}); without one
 * they are not possible and say so ({@link #progress} answers false, {@link #canElicit()} false).
 */
public final class McpToolCall {
  private final McpSession session;
  private final Exchange exchange;
  private final String name;
  private final ObjectNode arguments;
  private double lastProgress = Double.NEGATIVE_INFINITY;

  McpToolCall(McpSession session, Exchange exchange, String name, ObjectNode arguments) {
    this.session = session;
    this.exchange = exchange;
    this.name = name;
    this.arguments = arguments;
  }

  public String name() {
    return name;
  }

  /** The call's {@code arguments} (an empty object when it gave none). */
  public ObjectNode arguments() {
    return arguments;
  }

  /** The caller's tenant (its bearer token's). */
  public String tenant() {
    return session.tenant;
  }

  /** The Taskforce session this MCP connection works in. */
  public String taskforceSession() {
    return session.taskforceSession;
  }

  /** Whether the request carried a {@code progressToken}. */
  public boolean hasProgressToken() {
    return exchange.progressToken != null;
  }

  /**
   * Sends {@code notifications/progress} with the request's {@code progressToken} on its stream;
   * false when it cannot (no token, no stream, or {@code progress} not above the last one sent:
   * the protocol wants it to grow with each notification).
   */
  public synchronized boolean progress(double progress, Double total, String message) {
    if (exchange.progressToken == null || !exchange.streaming() || progress <= lastProgress) return false;
    ObjectNode params = JsonRpc.NODES.objectNode();
    params.set("progressToken", exchange.progressToken);
    params.put("progress", progress);
    if (total != null) params.put("total", total);
    if (message != null) params.put("message", message);
    if (!exchange.send(JsonRpc.notification("notifications/progress", params))) return false;
    lastProgress = progress;
    return true;
  }

  /** Whether {@link #elicit} can ask: the client takes form elicitation and the answer streams. */
  public boolean canElicit() {
    return exchange.streaming() && session.elicitsForms();
  }

  /**
   * Asks the client ({@code elicitation/create}, form mode) on the request's stream; completes
   * with the client's {@code ElicitResult} ({@code action}, and {@code content} when accepted).
   * Fails with {@link IllegalStateException} when the client cannot be asked or answers with an
   * error, and with {@link CancellationException} when the request's stream ends first.
   */
  public CompletionStage<JsonNode> elicit(String message, ObjectNode requestedSchema) {
    if (!canElicit()) {
      return CompletableFuture.failedFuture(new IllegalStateException(exchange.streaming()
          ? "the client declared no form elicitation" : "the answer is not on an SSE stream"));
    }
    ObjectNode params = JsonRpc.NODES.objectNode();
    if (session.speaksTasks()) params.put("mode", "form");
    params.put("message", message);
    params.set("requestedSchema", requestedSchema);
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    boolean sent = session.sendRequest(exchange, "elicitation/create", params, reply -> {
      if (reply.has("result")) {
        answer.complete(reply.get("result"));
      } else {
        answer.completeExceptionally(new IllegalStateException("the client answered the elicitation with an error: "
            + JsonRpc.write(reply.path("error"))));
      }
    });
    if (!sent) return CompletableFuture.failedFuture(new IllegalStateException("the request's stream is gone"));
    exchange.channel.terminated().thenRun(() -> answer.completeExceptionally(
        new CancellationException("the request's stream ended before the client answered")));
    return answer;
  }

  /** The client cancelled the request ({@code notifications/cancelled}) or went away. */
  public boolean cancelled() {
    return exchange.cancelled() || session.ended();
  }
}
