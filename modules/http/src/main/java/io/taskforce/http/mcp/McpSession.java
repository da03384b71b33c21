package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One MCP session: one client, one tenant, one Taskforce session. It lives on the node that
 * answered {@code initialize}, in memory; everything worth keeping (tasks, their session, its feed)
 * is in Taskforce, so a client whose session ended initializes again and carries on.
 */
final class McpSession {
  /**
   * A task this session created, the progress token its creating call gave (or null), which
   * stays the token of the task's progress for its whole life, and what was reported with it.
   */
  static final class Tracked {
    final JsonNode progressToken;
    final ProgressGate progress = new ProgressGate();

    Tracked(JsonNode progressToken) {
      this.progressToken = progressToken;
    }
  }

  private static final int MAX_TRACKED = 10_000;

  final String id;
  final String tenant;
  final String taskforceSession;
  final String protocolVersion;
  final JsonNode clientCapabilities;
  private final AtomicLong lastUsed = new AtomicLong(System.nanoTime());
  private final AtomicLong serverRequestIds = new AtomicLong();
  private volatile boolean initialized;
  private volatile boolean ended;

  /** Client requests being answered, by their id as JSON text. */
  final Map<String, Exchange> inFlight = new ConcurrentHashMap<>();
  /** Requests this server sent the client, by id, waiting for its answer. */
  private final Map<String, Consumer<JsonNode>> awaitingReplies = new ConcurrentHashMap<>();
  /** Tasks created through this session that are not known to be final yet. */
  final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  final AtomicReference<SseChannel> getStream = new AtomicReference<>();
  final AtomicReference<Taskforce.FeedSubscription> feed = new AtomicReference<>();

  McpSession(String id, String tenant, String taskforceSession, String protocolVersion, JsonNode clientCapabilities) {
    this.id = id;
    this.tenant = tenant;
    this.taskforceSession = taskforceSession;
    this.protocolVersion = protocolVersion;
    this.clientCapabilities = clientCapabilities;
  }

  void touch() {
    lastUsed.set(System.nanoTime());
  }

  long lastUsedNanos() {
    return lastUsed.get();
  }

  void markInitialized() {
    initialized = true;
  }

  boolean initialized() {
    return initialized;
  }

  boolean ended() {
    return ended;
  }

  /** Whether the client takes form elicitation ({@code elicitation: {}} or {@code {form: {}}}). */
  boolean elicitsForms() {
    JsonNode elicitation = clientCapabilities.path("elicitation");
    if (!elicitation.isObject()) return false;
    return elicitation.has("form") || !elicitation.has("url");
  }

  /** Whether the negotiated revision knows the tasks utility. */
  boolean speaksTasks() {
    return protocolVersion.compareTo("2025-11-25") >= 0;
  }

  void track(String taskId, JsonNode progressToken) {
    if (tracked.size() >= MAX_TRACKED) return; // notifications are optional; polling still works
    tracked.putIfAbsent(taskId, new Tracked(progressToken));
  }

  /** Sends a request to the client on {@code exchange}'s stream; {@code onReply} gets its answer. */
  boolean sendRequest(Exchange exchange, String method, ObjectNode params, Consumer<JsonNode> onReply) {
    String requestId = "tf-" + id.substring(0, 8) + "-" + serverRequestIds.incrementAndGet();
    awaitingReplies.put(requestId, onReply);
    if (!exchange.send(JsonRpc.request(requestId, method, params))) {
      awaitingReplies.remove(requestId);
      return false;
    }
    return true;
  }

  /** A response the client posted; false if this session asked no such thing. */
  boolean deliverReply(JsonNode message) {
    JsonNode id = message.get("id");
    if (id == null || !id.isTextual()) return false;
    Consumer<JsonNode> handler = awaitingReplies.remove(id.asText());
    if (handler == null) return false;
    handler.accept(message);
    return true;
  }

  /** Sends a message on the GET stream, if the client has one open. */
  boolean sendToClient(ObjectNode message) {
    SseChannel stream = getStream.get();
    return stream != null && stream.send(message);
  }

  /** Ends the session: its streams close, its in-flight requests stop waiting. */
  void end() {
    ended = true;
    inFlight.values().forEach(Exchange::cancel);
    SseChannel stream = getStream.getAndSet(null);
    if (stream != null) stream.complete();
    Taskforce.FeedSubscription subscription = feed.getAndSet(null);
    if (subscription != null) subscription.close();
    awaitingReplies.clear();
  }
}
