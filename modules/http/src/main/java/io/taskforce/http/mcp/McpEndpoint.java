package io.taskforce.http.mcp;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import io.taskforce.api.ConflictException;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.Page;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import io.taskforce.api.TaskforceException;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Json;
import io.taskforce.http.Tokens;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Model Context Protocol endpoint at {@code /mcp}: JSON-RPC 2.0 over the Streamable HTTP
 * transport (POST answered with JSON or an SSE stream, GET for the server's own stream, DELETE to
 * end a session), with the tools of {@link McpTools} and the tasks utility of revision 2025-11-25
 * over Taskforce tasks. It speaks only to the {@link Taskforce} facade; a request is checked for
 * its Origin and Host, then for its bearer token (the tenant), before anything else.
 */
public final class McpEndpoint {
  private static final Logger log = LoggerFactory.getLogger(McpEndpoint.class);

  /** The path it is mounted at. */
  public static final List<String> PATH = List.of("mcp");
  /** The revisions it speaks, newest first; the first is offered to a client asking for another. */
  public static final List<String> VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  static final String TASKFORCE_SESSION_HEADER = "Taskforce-Session";
  /** How many tasks one page of {@code tasks/list} holds. */
  static final int TASKS_PAGE = 50;

  private final Taskforce tf;
  private final Tokens tokens;
  private final HttpApi.Settings http;
  private final McpSettings settings;
  private final OriginGuard guard;
  private final McpSessions sessions;
  private final McpTools tools;
  private final TaskWaiter waiter;
  private final String serverVersion;

  /** The endpoint with the settings under {@code taskforce.http.mcp} of the system's configuration. */
  public McpEndpoint(Taskforce tf, Tokens tokens, HttpApi.Settings http) {
    this(tf, tokens, http, McpSettings.from(tf.system().settings().config()));
  }

  public McpEndpoint(Taskforce tf, Tokens tokens, HttpApi.Settings http, McpSettings settings) {
    this(tf, tokens, http, settings, List.of());
  }

  /**
   * The endpoint with {@code extraTools} served after Taskforce's own (see {@link McpTool}); a
   * name clash or a tool definition without a name or an input schema is refused here.
   */
  public McpEndpoint(Taskforce tf, Tokens tokens, HttpApi.Settings http, McpSettings settings, List<McpTool> extraTools) {
    this.tf = tf;
    this.tokens = tokens;
    this.http = http;
    this.settings = settings;
    this.guard = new OriginGuard(http.host(), settings);
    this.sessions = new McpSessions(settings);
    this.waiter = new TaskWaiter(tf, settings);
    this.tools = new McpTools(tf, settings, waiter, extraTools);
    String version = McpEndpoint.class.getPackage().getImplementationVersion();
    this.serverVersion = version == null ? "dev" : version;
    Duration sweep = Duration.ofMinutes(1);
    tf.system().scheduler().scheduleAtFixedRate(sweep, sweep, sessions::sweep, tf.system().executionContext());
  }

  /** Whether {@code path} (its segments) is this endpoint's. */
  public static boolean serves(List<String> path) {
    return PATH.equals(path);
  }

  /** How many MCP sessions this node holds now. */
  public int sessionCount() {
    return sessions.size();
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    try {
      return route(request);
    } catch (RuntimeException e) {
      request.discardEntityBytes(tf.system());
      log.error("unexpected failure while answering an MCP request", e);
      return done(httpError(500, JsonRpc.INTERNAL_ERROR, "internal error; it was logged"));
    }
  }

  private CompletionStage<HttpResponse> route(HttpRequest request) {
    Optional<String> refusal = guard.refusal(hostOf(request), header(request, "Origin"));
    if (refusal.isPresent()) {
      request.discardEntityBytes(tf.system());
      return done(httpError(403, JsonRpc.FORBIDDEN, "Forbidden: " + refusal.get()));
    }
    Optional<String> tenant = bearer(request).flatMap(tokens::tenantOf);
    if (tenant.isEmpty()) {
      request.discardEntityBytes(tf.system());
      return done(httpError(401, JsonRpc.UNAUTHORIZED,
          "Unauthorized: a valid bearer token is required (Authorization: Bearer <token>)")
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"taskforce\"")));
    }
    String method = request.method().value();
    return switch (method) {
      case "POST" -> post(request, tenant.get());
      case "GET" -> {
        request.discardEntityBytes(tf.system());
        yield done(get(request, tenant.get()));
      }
      case "DELETE" -> {
        request.discardEntityBytes(tf.system());
        yield done(delete(request, tenant.get()));
      }
      default -> {
        request.discardEntityBytes(tf.system());
        yield done(httpError(405, JsonRpc.INVALID_REQUEST, "Method not allowed: " + method + " (allowed: GET, POST, DELETE)")
            .addHeader(RawHeader.create("Allow", "GET, POST, DELETE")));
      }
    };
  }

  // ---- POST: one JSON-RPC message (or, in revision 2025-03-26, a batch)

  private CompletionStage<HttpResponse> post(HttpRequest request, String tenant) {
    String accept = header(request, "Accept").orElse("").toLowerCase(Locale.ROOT);
    boolean acceptsJson = accept.isEmpty() || accept.contains("application/json") || accept.contains("*/*")
        || accept.contains("application/*");
    boolean acceptsSse = accept.contains("text/event-stream");
    if (!acceptsJson && !acceptsSse) {
      request.discardEntityBytes(tf.system());
      return done(httpError(406, JsonRpc.INVALID_REQUEST,
          "Not Acceptable: the client must accept application/json and text/event-stream"));
    }
    if (!request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
      request.discardEntityBytes(tf.system());
      return done(httpError(415, JsonRpc.INVALID_REQUEST, "Unsupported Media Type: the body must be application/json"));
    }
    long declared = request.entity().getContentLengthOption().orElse(-1L);
    if (declared > http.maxBodyBytes()) {
      request.discardEntityBytes(tf.system());
      return done(tooLarge());
    }
    return request.entity()
        .toStrict(http.bodyTimeout().toMillis(), http.maxBodyBytes(), tf.system())
        .thenCompose(strict -> message(request, tenant, strict.getData().toArray(), acceptsSse))
        .exceptionally(failure -> {
          Throwable cause = McpTools.unwrap(failure);
          if (cause instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException
              || (cause.getMessage() != null && cause.getMessage().startsWith("Request too large"))) {
            return tooLarge();
          }
          log.error("unexpected failure while answering an MCP request", cause);
          return httpError(500, JsonRpc.INTERNAL_ERROR, "internal error; it was logged");
        });
  }

  private CompletionStage<HttpResponse> message(HttpRequest request, String tenant, byte[] body, boolean acceptsSse) {
    JsonNode message;
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
      message = Json.MAPPER.readTree(body);
      if (message == null || message.isMissingNode()) throw new IllegalArgumentException("empty body");
    } catch (CharacterCodingException e) {
      return done(httpError(400, JsonRpc.PARSE_ERROR, "Parse error: the body is not valid UTF-8"));
    } catch (JacksonException | IllegalArgumentException e) {
      String detail = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
      return done(httpError(400, JsonRpc.PARSE_ERROR, "Parse error: " + firstLine(detail)));
    } catch (java.io.IOException e) {
      return done(httpError(400, JsonRpc.PARSE_ERROR, "Parse error: " + firstLine(e.getMessage())));
    }
    Optional<String> sessionId = header(request, SESSION_HEADER);
    Optional<String> version = header(request, VERSION_HEADER);
    if (version.isPresent() && !VERSIONS.contains(version.get().trim())) {
      return done(httpError(400, JsonRpc.INVALID_REQUEST, "Bad Request: unsupported " + VERSION_HEADER + " '"
          + version.get() + "' (supported: " + String.join(", ", VERSIONS) + ")"));
    }
    if (message.isArray()) return batch(request, tenant, sessionId, (ArrayNode) message);

    String invalid = invalidMessage(message);
    if (invalid != null) return done(httpError(400, JsonRpc.INVALID_REQUEST, "Invalid Request: " + invalid));
    boolean isRequest = message.has("method") && message.has("id");
    if (isRequest && message.get("method").asText().equals("initialize")) {
      if (sessionId.isPresent()) {
        return done(httpError(400, JsonRpc.INVALID_REQUEST,
            "Invalid Request: this session is initialized already (a new session starts without " + SESSION_HEADER + ")"));
      }
      return done(initialize(request, tenant, message));
    }
    if (sessionId.isEmpty()) {
      return done(httpError(400, JsonRpc.INVALID_REQUEST,
          "Bad Request: the " + SESSION_HEADER + " header is required (send initialize first)"));
    }
    Optional<McpSession> session = sessions.find(sessionId.get().trim(), tenant);
    if (session.isEmpty()) return done(sessionNotFound());
    if (!isRequest) {
      accept(session.get(), message);
      return done(HttpResponse.create().withStatus(StatusCodes.ACCEPTED));
    }
    return request(session.get(), message, acceptsSse);
  }

  /** Why {@code message} is no JSON-RPC 2.0 message MCP allows, or null when it is one. */
  static String invalidMessage(JsonNode message) {
    if (!message.isObject()) return "a message must be a JSON object";
    if (!"2.0".equals(message.path("jsonrpc").asText(null)) || !message.get("jsonrpc").isTextual()) {
      return "\"jsonrpc\" must be \"2.0\"";
    }
    JsonNode id = message.get("id");
    if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
      return "\"id\" must be a string or an integer (MCP allows no null id)";
    }
    if (message.has("method")) {
      if (!message.get("method").isTextual()) return "\"method\" must be a string";
      JsonNode params = message.get("params");
      if (params != null && !params.isObject() && !params.isArray()) return "\"params\" must be an object";
      if (message.has("result") || message.has("error")) return "a message is a request or a response, not both";
      return null;
    }
    if (id == null) return "a message needs \"method\" (request, notification) or \"id\" with \"result\" or \"error\" (response)";
    if (message.has("result") == message.has("error")) return "a response has exactly one of \"result\" and \"error\"";
    return null;
  }

  /** A notification or a response from the client: nothing to answer. */
  private void accept(McpSession session, JsonNode message) {
    if (!message.has("method")) {
      session.deliverReply(message);
      return;
    }
    switch (message.get("method").asText()) {
      case "notifications/initialized" -> session.markInitialized();
      case "notifications/cancelled" -> {
        JsonNode requestId = message.path("params").path("requestId");
        Exchange exchange = session.inFlight.get(JsonRpc.write(requestId));
        if (exchange != null) exchange.cancel();
      }
      default -> { } // other notifications need nothing from this server
    }
  }

  private CompletionStage<HttpResponse> batch(HttpRequest request, String tenant, Optional<String> sessionId, ArrayNode batch) {
    if (batch.isEmpty()) return done(httpError(400, JsonRpc.INVALID_REQUEST, "Invalid Request: an empty batch"));
    if (sessionId.isEmpty()) {
      return done(httpError(400, JsonRpc.INVALID_REQUEST,
          "Invalid Request: a batch cannot initialize; send initialize alone first (revision 2025-03-26 allows batches)"));
    }
    Optional<McpSession> found = sessions.find(sessionId.get().trim(), tenant);
    if (found.isEmpty()) return done(sessionNotFound());
    McpSession session = found.get();
    if (!session.protocolVersion.equals("2025-03-26")) {
      return done(httpError(400, JsonRpc.INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not part of revision "
          + session.protocolVersion + " (they were removed in 2025-06-18); send one message per request"));
    }
    List<CompletableFuture<ObjectNode>> answers = new ArrayList<>();
    for (JsonNode message : batch) {
      String invalid = invalidMessage(message);
      if (invalid != null) {
        answers.add(CompletableFuture.completedFuture(JsonRpc.error(null, JsonRpc.INVALID_REQUEST, "Invalid Request: " + invalid, null)));
      } else if (!message.has("method") || !message.has("id")) {
        accept(session, message);
      } else if (message.get("method").asText().equals("initialize")) {
        answers.add(CompletableFuture.completedFuture(JsonRpc.error(message.get("id"), JsonRpc.INVALID_REQUEST,
            "Invalid Request: initialize must not be part of a batch", null)));
      } else {
        Exchange exchange = new Exchange(message.get("id"), progressToken(message), null);
        answers.add(answer(session, exchange, message).toCompletableFuture());
      }
    }
    if (answers.isEmpty()) return done(HttpResponse.create().withStatus(StatusCodes.ACCEPTED));
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> {
      ArrayNode out = JsonRpc.NODES.arrayNode();
      answers.forEach(a -> {
        ObjectNode answer = a.join();
        if (answer != null) out.add(answer);
      });
      return json(200, out);
    });
  }

  // ---- requests

  private CompletionStage<HttpResponse> request(McpSession session, JsonNode message, boolean acceptsSse) {
    boolean stream = acceptsSse && waits(session, message);
    SseChannel channel = stream ? SseChannel.open(tf.system(), http.sseKeepAlive()) : null;
    Exchange exchange = new Exchange(message.get("id"), progressToken(message), channel);
    CompletionStage<ObjectNode> answer = answer(session, exchange, message);
    if (!stream) {
      return answer.thenApply(a -> a == null
          ? HttpResponse.create().withStatus(StatusCodes.ACCEPTED) // cancelled: no answer is sent
          : json(200, a));
    }
    answer.whenComplete((a, failure) -> {
      if (a != null) channel.send(a);
      channel.complete();
    });
    return done(HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), channel.source()))
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no")));
  }

  /** Whether answering {@code message} may take long: then it goes on an SSE stream. */
  private boolean waits(McpSession session, JsonNode message) {
    String method = message.get("method").asText();
    JsonNode params = message.path("params");
    if (method.equals("tasks/result")) return true;
    if (!method.equals("tools/call") || (params.hasNonNull("task") && session.speaksTasks())) return false;
    String name = params.path("name").asText("");
    if (!tools.exists(name)) return false;
    JsonNode args = params.path("arguments");
    return tools.waits(name, args.isObject() ? (ObjectNode) args : JsonRpc.NODES.objectNode());
  }

  private static JsonNode progressToken(JsonNode message) {
    JsonNode token = message.path("params").path("_meta").path("progressToken");
    return token.isTextual() || token.isIntegralNumber() ? token : null;
  }

  /** The response to one request; null when the client cancelled it (nothing is sent then). */
  private CompletionStage<ObjectNode> answer(McpSession session, Exchange exchange, JsonNode message) {
    JsonNode id = message.get("id");
    String key = JsonRpc.write(id);
    session.inFlight.put(key, exchange);
    CompletionStage<JsonNode> result;
    try {
      result = invoke(session, exchange, message.get("method").asText(), message.get("params"));
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.handle((value, failure) -> {
      session.inFlight.remove(key, exchange);
      if (exchange.cancelled()) return null;
      if (failure == null) return JsonRpc.result(id, value);
      Throwable cause = McpTools.unwrap(failure);
      if (cause instanceof CancellationException) return null;
      return JsonRpc.error(id, rpcError(cause));
    });
  }

  private static JsonRpc.RpcException rpcError(Throwable cause) {
    if (cause instanceof JsonRpc.RpcException rpc) return rpc;
    if (cause instanceof ToolArgs.BadArguments bad) return JsonRpc.invalidParams("Invalid params: " + bad.getMessage());
    if (cause instanceof InvalidRequestException || cause instanceof NotFoundException) {
      return JsonRpc.invalidParams("Invalid params: " + cause.getMessage());
    }
    if (cause instanceof TaskforceException) return new JsonRpc.RpcException(JsonRpc.INTERNAL_ERROR, cause.getMessage());
    log.error("unexpected failure while answering an MCP request", cause);
    return new JsonRpc.RpcException(JsonRpc.INTERNAL_ERROR, "Internal error; it was logged");
  }

  private CompletionStage<JsonNode> invoke(McpSession session, Exchange exchange, String method, JsonNode rawParams) {
    if (rawParams != null && !rawParams.isObject()) throw JsonRpc.invalidParams("Invalid params: params must be an object");
    ObjectNode params = rawParams == null ? JsonRpc.NODES.objectNode() : (ObjectNode) rawParams;
    switch (method) {
      case "ping":
        return done(JsonRpc.NODES.objectNode());
      case "initialize":
        throw new JsonRpc.RpcException(JsonRpc.INVALID_REQUEST, "Invalid Request: this session is initialized already");
      case "tools/list": {
        ObjectNode result = JsonRpc.NODES.objectNode();
        ArrayNode list = tools.definitions();
        if (!session.speaksTasks()) list.forEach(tool -> ((ObjectNode) tool).remove("execution"));
        result.set("tools", list);
        return done(result);
      }
      case "tools/call":
        return callTool(session, exchange, params);
      case "tasks/get":
      case "tasks/result":
      case "tasks/list":
      case "tasks/cancel":
        if (!session.speaksTasks()) {
          throw new JsonRpc.RpcException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method
              + " (tasks need protocol revision 2025-11-25; this session speaks " + session.protocolVersion + ")");
        }
        return tasksMethod(session, exchange, method, params);
      default:
        throw new JsonRpc.RpcException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method);
    }
  }

  private CompletionStage<JsonNode> callTool(McpSession session, Exchange exchange, ObjectNode params) {
    JsonNode name = params.get("name");
    if (name == null || !name.isTextual()) throw JsonRpc.invalidParams("Invalid params: tools/call needs \"name\" (a string)");
    if (!tools.exists(name.asText())) throw JsonRpc.invalidParams("Unknown tool: " + name.asText());
    JsonNode args = params.get("arguments");
    if (args != null && !args.isNull() && !args.isObject()) {
      throw JsonRpc.invalidParams("Invalid params: \"arguments\" must be an object");
    }
    ObjectNode arguments = args == null || args.isNull() ? JsonRpc.NODES.objectNode() : (ObjectNode) args;
    JsonNode task = params.get("task");
    if (task != null && !task.isNull() && session.speaksTasks()) {
      if (!task.isObject()) throw JsonRpc.invalidParams("Invalid params: \"task\" must be an object");
      if (task.has("ttl") && !task.get("ttl").isNumber()) throw JsonRpc.invalidParams("Invalid params: \"task.ttl\" must be a number");
      if (tools.taskSupport(name.asText()).equals("forbidden")) {
        throw new JsonRpc.RpcException(JsonRpc.METHOD_NOT_FOUND,
            "Method not found: tool " + name.asText() + " cannot run as a task (execution.taskSupport is forbidden)");
      }
      return tools.createTask(session, exchange, name.asText(), arguments).thenApply(r -> r);
    }
    return tools.call(session, exchange, name.asText(), arguments).thenApply(r -> r);
  }

  // ---- the tasks utility (revision 2025-11-25)

  private CompletionStage<JsonNode> tasksMethod(McpSession session, Exchange exchange, String method, ObjectNode params) {
    if (method.equals("tasks/list")) return listTasks(session, params);
    JsonNode taskId = params.get("taskId");
    if (taskId == null || !taskId.isTextual()) throw JsonRpc.invalidParams("Invalid params: " + method + " needs \"taskId\" (a string)");
    String id = taskId.asText();
    return switch (method) {
      case "tasks/get" -> ownTask(session, id).thenApply(task -> TaskMapping.task(task, settings.pollInterval()));
      case "tasks/result" -> ownTask(session, id).thenCompose(task -> {
        if (task.status().isFinal()) return done(task);
        // Progress of a task-augmented call goes with the token of that call, not of this request
        // (revision 2025-11-25: the original progressToken stays valid for the task's life).
        McpSession.Tracked tracked = session.tracked.get(id);
        return waiter.awaitFinal(session, exchange, id, exchange.streaming() ? null : settings.maxJsonWait(),
            tracked == null ? null : tracked.progressToken, tracked == null ? new ProgressGate() : tracked.progress);
      }).thenApply(task -> {
        if (!task.status().isFinal()) {
          throw new JsonRpc.RpcException(JsonRpc.INTERNAL_ERROR, "Task " + id + " is still " + task.status().wire()
              + " after " + settings.maxJsonWait().toSeconds() + " s; without an SSE stream (Accept: text/event-stream)"
              + " tasks/result cannot wait longer: poll tasks/get");
        }
        ObjectNode result = TaskMapping.finalCallResult(task);
        result.set("_meta", TaskMapping.relatedTaskMeta(id));
        return result;
      });
      default -> cancelTask(session, id);
    };
  }

  /**
   * {@code tasks/cancel}: the task is cancelled (and that is persisted) before the answer; a task
   * already final, also one that ended while the cancel was on its way, is refused with -32602 and
   * keeps its final status.
   */
  private CompletionStage<JsonNode> cancelTask(McpSession session, String id) {
    return ownTask(session, id).thenCompose(task -> {
      if (task.status().isFinal()) throw terminal(task);
      return tf.cancel(session.tenant, id).exceptionallyCompose(failure -> {
        if (!(McpTools.unwrap(failure) instanceof ConflictException)) return CompletableFuture.failedFuture(McpTools.unwrap(failure));
        return tf.task(session.tenant, id).thenApply(now -> {
          if (now.status().isFinal()) throw terminal(now);
          throw new JsonRpc.RpcException(JsonRpc.INTERNAL_ERROR, McpTools.unwrap(failure).getMessage());
        });
      });
    }).thenApply(task -> TaskMapping.task(task, settings.pollInterval()));
  }

  private static JsonRpc.RpcException terminal(TaskView task) {
    return JsonRpc.invalidParams("Cannot cancel task: already in terminal status '" + TaskMapping.status(task) + "'");
  }

  private CompletionStage<JsonNode> listTasks(McpSession session, ObjectNode params) {
    JsonNode cursor = params.get("cursor");
    if (cursor != null && !cursor.isNull() && !cursor.isTextual()) throw JsonRpc.invalidParams("Invalid params: \"cursor\" must be a string");
    TaskFilter filter = new TaskFilter(java.util.Set.of(), TASKS_PAGE, cursor == null || cursor.isNull() ? null : cursor.asText());
    return tf.list(session.tenant, session.taskforceSession, filter)
        .exceptionallyCompose(failure -> {
          Throwable cause = McpTools.unwrap(failure);
          if (cause instanceof NotFoundException && filter.cursor() == null) {
            return done(new Page<TaskView>(List.of(), null)); // no dispatch yet, so no tasks
          }
          if (cause instanceof NotFoundException) {
            return CompletableFuture.failedFuture(JsonRpc.invalidParams("Invalid params: no such cursor"));
          }
          if (cause instanceof InvalidRequestException) {
            return CompletableFuture.failedFuture(JsonRpc.invalidParams("Invalid params: invalid cursor (" + cause.getMessage() + ")"));
          }
          return CompletableFuture.failedFuture(cause);
        })
        .thenApply(page -> {
          ObjectNode result = JsonRpc.NODES.objectNode();
          ArrayNode list = result.putArray("tasks");
          page.items().forEach(task -> list.add(TaskMapping.task(task, settings.pollInterval())));
          if (page.nextCursor() != null) result.put("nextCursor", page.nextCursor());
          return result;
        });
  }

  /**
   * The task, if it belongs to this MCP session's Taskforce session (the tasks {@code tasks/list}
   * shows); any other is unknown here, whoever's it is.
   */
  private CompletionStage<TaskView> ownTask(McpSession session, String id) {
    return tf.task(session.tenant, id).exceptionallyCompose(failure -> {
      Throwable cause = McpTools.unwrap(failure);
      if (cause instanceof NotFoundException || cause instanceof InvalidRequestException) {
        return CompletableFuture.failedFuture(notFound());
      }
      return CompletableFuture.failedFuture(cause);
    }).thenApply(task -> {
      if (!task.sessionId().equals(session.taskforceSession)) throw notFound();
      return task;
    });
  }

  private static JsonRpc.RpcException notFound() {
    return JsonRpc.invalidParams("Failed to retrieve task: Task not found");
  }

  // ---- initialize

  private HttpResponse initialize(HttpRequest request, String tenant, JsonNode message) {
    JsonNode id = message.get("id");
    JsonNode params = message.path("params");
    if (!params.isObject() || !params.path("protocolVersion").isTextual()) {
      return json(200, JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "Invalid params: initialize needs \"protocolVersion\"", null));
    }
    JsonNode capabilities = params.path("capabilities");
    if (!capabilities.isMissingNode() && !capabilities.isObject()) {
      return json(200, JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "Invalid params: \"capabilities\" must be an object", null));
    }
    String requested = params.get("protocolVersion").asText();
    String version = VERSIONS.contains(requested) ? requested : VERSIONS.get(0);
    String taskforceSession = request.getUri().query().get("session")
        .or(() -> header(request, TASKFORCE_SESSION_HEADER))
        .map(String::trim)
        .orElseGet(() -> "mcp-" + Long.toString(System.currentTimeMillis(), 36) + "-" + McpSessions.randomToken(6));
    if (!TaskSpec.ID_PATTERN.matcher(taskforceSession).matches()) {
      return json(200, JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "Invalid params: the Taskforce session '" + taskforceSession
          + "' (?session= or " + TASKFORCE_SESSION_HEADER + ") must be 1-128 characters of letters, digits, '.', '_', ':' or '-'", null));
    }
    McpSession session = sessions.create(tenant, taskforceSession,
        version, capabilities.isObject() ? capabilities : JsonRpc.NODES.objectNode());
    ObjectNode result = JsonRpc.NODES.objectNode();
    result.put("protocolVersion", version);
    ObjectNode caps = result.putObject("capabilities");
    caps.putObject("tools").put("listChanged", false);
    if (session.speaksTasks()) {
      ObjectNode tasks = caps.putObject("tasks");
      tasks.putObject("list");
      tasks.putObject("cancel");
      tasks.putObject("requests").putObject("tools").putObject("call");
    }
    ObjectNode info = result.putObject("serverInfo");
    info.put("name", "taskforce");
    info.put("title", "Taskforce");
    info.put("version", serverVersion);
    result.put("instructions", instructions(session));
    return json(200, JsonRpc.result(id, result)).addHeader(RawHeader.create(SESSION_HEADER, session.id));
  }

  private static String instructions(McpSession session) {
    return "Taskforce runs jobs as background subagents so you never wait for them. dispatch_task hands one "
        + "off and returns its id at once; keep talking to the user meanwhile. At the start of every turn while "
        + "tasks run, call get_updates: it tells you which tasks completed (with what they were for and their "
        + "result), failed, or ask a question (answer with answer_task); tell the user. get_task, "
        + "get_task_result, list_tasks, pause_task, resume_task and cancel_task steer them. This connection's "
        + "Taskforce session is '" + session.taskforceSession + "'.";
  }

  // ---- GET: the server's own stream (task status and progress of the tasks this session created)

  private HttpResponse get(HttpRequest request, String tenant) {
    String accept = header(request, "Accept").orElse("").toLowerCase(Locale.ROOT);
    if (!accept.contains("text/event-stream")) {
      return httpError(406, JsonRpc.INVALID_REQUEST, "Not Acceptable: GET opens an SSE stream (Accept: text/event-stream)");
    }
    Optional<String> sessionId = header(request, SESSION_HEADER);
    if (sessionId.isEmpty()) {
      return httpError(400, JsonRpc.INVALID_REQUEST, "Bad Request: the " + SESSION_HEADER + " header is required");
    }
    Optional<McpSession> found = sessions.find(sessionId.get().trim(), tenant);
    if (found.isEmpty()) return sessionNotFound();
    McpSession session = found.get();
    Optional<String> version = header(request, VERSION_HEADER);
    if (version.isPresent() && !VERSIONS.contains(version.get().trim())) {
      return httpError(400, JsonRpc.INVALID_REQUEST, "Bad Request: unsupported " + VERSION_HEADER + " '" + version.get() + "'");
    }
    SseChannel channel = SseChannel.open(tf.system(), http.sseKeepAlive());
    if (!session.getStream.compareAndSet(null, channel)) {
      channel.complete();
      return httpError(409, JsonRpc.INVALID_REQUEST, "Conflict: this session has a GET stream open already");
    }
    channel.terminated().thenRun(() -> {
      if (session.getStream.compareAndSet(channel, null)) {
        Taskforce.FeedSubscription subscription = session.feed.getAndSet(null);
        if (subscription != null) subscription.close();
      }
    });
    tf.session(session.tenant, session.taskforceSession)
        .thenApply(view -> view.lastEventSeq())
        .exceptionally(failure -> 0L)
        .thenAccept(after -> follow(session, channel, after));
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), channel.source()))
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
  }

  /** Follows the Taskforce session's feed while the GET stream is open, resubscribing if it fails. */
  private void follow(McpSession session, SseChannel channel, long after) {
    if (!channel.isOpen() || session.getStream.get() != channel) return;
    long[] seen = {after};
    Taskforce.FeedSubscription subscription;
    try {
      subscription = tf.subscribe(session.tenant, session.taskforceSession, after, event -> {
        if (event.seq() != null) seen[0] = Math.max(seen[0], event.seq());
        notifyClient(session, event);
      });
    } catch (RuntimeException e) {
      log.warn("cannot follow the feed of session {}: {}", session.taskforceSession, e.toString());
      return;
    }
    Taskforce.FeedSubscription previous = session.feed.getAndSet(subscription);
    if (previous != null) previous.close();
    if (!channel.isOpen()) subscription.close();
    subscription.done().whenComplete((d, failure) -> {
      if (failure != null && channel.isOpen() && session.feed.compareAndSet(subscription, null)) {
        tf.system().scheduler().scheduleOnce(Duration.ofSeconds(1), () -> follow(session, channel, seen[0]),
            tf.system().executionContext());
      }
    });
  }

  /** {@code notifications/tasks/status} and {@code notifications/progress} for the tasks this session created. */
  private void notifyClient(McpSession session, FeedEvent event) {
    McpSession.Tracked tracked = session.tracked.get(event.taskId());
    if (tracked == null) return;
    if (event.durable()) {
      if (event.type().isFinal()) session.tracked.remove(event.taskId());
      tf.task(session.tenant, event.taskId()).thenAccept(task -> {
        ObjectNode params = TaskMapping.task(task, settings.pollInterval());
        session.sendToClient(JsonRpc.notification("notifications/tasks/status", params));
      });
    } else if (tracked.progressToken != null && event.progress() != null && event.progress().percent() != null) {
      double value = tracked.progress.next(event.progress().percent().doubleValue(), event.progress().message());
      if (value == ProgressGate.NOTHING) return;
      ObjectNode params = JsonRpc.NODES.objectNode();
      params.set("progressToken", tracked.progressToken);
      params.put("progress", value);
      params.put("total", 100);
      if (event.progress().message() != null) params.put("message", TaskMapping.clip(event.progress().message(), 500));
      params.set("_meta", TaskMapping.relatedTaskMeta(event.taskId()));
      session.sendToClient(JsonRpc.notification("notifications/progress", params));
    }
  }

  // ---- DELETE: the client ends its session (its tasks and its Taskforce session live on)

  private HttpResponse delete(HttpRequest request, String tenant) {
    Optional<String> sessionId = header(request, SESSION_HEADER);
    if (sessionId.isEmpty()) {
      return httpError(400, JsonRpc.INVALID_REQUEST, "Bad Request: the " + SESSION_HEADER + " header is required");
    }
    Optional<McpSession> found = sessions.find(sessionId.get().trim(), tenant);
    if (found.isEmpty()) return sessionNotFound();
    sessions.end(found.get().id);
    return HttpResponse.create().withStatus(StatusCodes.OK);
  }

  // ---- plumbing

  private static HttpResponse sessionNotFound() {
    return httpError(404, JsonRpc.SESSION_NOT_FOUND, "Session not found (it ended or expired): initialize a new one");
  }

  private HttpResponse tooLarge() {
    return httpError(413, JsonRpc.INVALID_REQUEST, "Payload Too Large: the body is larger than " + http.maxBodyBytes() + " bytes");
  }

  /** An HTTP error whose body is a JSON-RPC error without id, as the transport allows. */
  static HttpResponse httpError(int status, int code, String message) {
    return json(status, JsonRpc.error(null, code, message, null));
  }

  static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(ContentTypes.APPLICATION_JSON, JsonRpc.bytes(body));
  }

  private static Optional<String> header(HttpRequest request, String name) {
    return request.getHeader(name).map(HttpHeader::value);
  }

  private static Optional<String> hostOf(HttpRequest request) {
    Optional<String> host = header(request, "Host");
    if (host.isPresent()) return host;
    String fromUri = request.getUri().host().address();
    return fromUri == null || fromUri.isEmpty() ? Optional.empty() : Optional.of(fromUri);
  }

  private static Optional<String> bearer(HttpRequest request) {
    return request.getHeader("Authorization")
        .map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(v -> v.substring(7).trim());
  }

  private static String firstLine(String text) {
    if (text == null) return "malformed JSON";
    int newline = text.indexOf('\n');
    return newline > 0 ? text.substring(0, newline) : text;
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
