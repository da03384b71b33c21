package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One client request being answered: its id, its progress token, and the SSE stream its answer
 * goes on (null when it is answered with one JSON body, so it can carry nothing else).
 */
final class Exchange {
  final JsonNode id;
  final JsonNode progressToken;
  final SseChannel channel;
  private volatile boolean cancelled;

  Exchange(JsonNode id, JsonNode progressToken, SseChannel channel) {
    this.id = id;
    this.progressToken = progressToken;
    this.channel = channel;
  }

  boolean streaming() {
    return channel != null;
  }

  /** Sends a notification or a server request on this request's stream; false if it cannot. */
  boolean send(ObjectNode message) {
    return channel != null && channel.send(message);
  }

  /** The client cancelled it ({@code notifications/cancelled}) or went away. */
  boolean cancelled() {
    return cancelled || (channel != null && !channel.isOpen());
  }

  void cancel() {
    cancelled = true;
  }
}
