package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** A small hand-written MCP client over the JDK's HTTP client, for tests of the JSON-RPC layer. */
final class McpClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final URI uri;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicLong ids = new AtomicLong();
  String sessionId;
  String version;

  McpClient(URI uri, String token) {
    this.uri = uri;
    this.token = token;
  }

  /** An answer: status, headers, body. */
  record Response(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** Builds a request to /mcp with the token, the session's headers and {@code extra} headers. */
  HttpRequest.Builder request(Map<String, String> extra) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90));
    Map<String, String> headers = new LinkedHashMap<>();
    if (token != null) headers.put("Authorization", "Bearer " + token);
    if (sessionId != null) headers.put("Mcp-Session-Id", sessionId);
    if (version != null) headers.put("MCP-Protocol-Version", version);
    headers.putAll(extra);
    headers.forEach((k, v) -> {
      if (v != null) builder.header(k, v);
    });
    return builder;
  }

  Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** POSTs {@code body} as it is (Accept: JSON and SSE, Content-Type: JSON unless overridden). */
  Response postRaw(String body, Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "application/json, text/event-stream");
    headers.put("Content-Type", "application/json");
    headers.putAll(extra);
    return send(request(headers).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  Response postRaw(String body) {
    return postRaw(body, Map.of());
  }

  static ObjectNode message(Object id, String method, JsonNode params) {
    ObjectNode message = JSON.createObjectNode();
    message.put("jsonrpc", "2.0");
    if (id instanceof Number n) message.put("id", n.longValue());
    else if (id != null) message.put("id", id.toString());
    message.put("method", method);
    if (params != null) message.set("params", params);
    return message;
  }

  static ObjectNode object(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** initialize + notifications/initialized; keeps the session id and version for what follows. */
  JsonNode initialize(String requestedVersion, JsonNode capabilities, Map<String, String> extra) {
    sessionId = null;
    version = null;
    ObjectNode params = JSON.createObjectNode();
    params.put("protocolVersion", requestedVersion);
    params.set("capabilities", capabilities == null ? JSON.createObjectNode() : capabilities);
    params.putObject("clientInfo").put("name", "taskforce-test").put("version", "1");
    Response r = postRaw(message(ids.incrementAndGet(), "initialize", params).toString(), extra);
    if (r.status() != 200) throw new AssertionError("initialize answered " + r.status() + ": " + r.body());
    JsonNode result = r.json().get("result");
    if (result == null) throw new AssertionError("initialize failed: " + r.body());
    sessionId = r.header("Mcp-Session-Id");
    version = result.get("protocolVersion").asText();
    Response initialized = postRaw("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (initialized.status() != 202) throw new AssertionError("initialized answered " + initialized.status());
    return result;
  }

  JsonNode initialize() {
    return initialize("2025-11-25", null, Map.of());
  }

  /**
   * Sends a request and returns its response message (JSON or the SSE stream's); every other
   * message on the stream (notifications, server requests) goes to {@code others} as it arrives.
   */
  JsonNode call(String method, JsonNode params, Consumer<JsonNode> others) {
    long id = ids.incrementAndGet();
    HttpRequest.Builder builder = request(Map.of("Accept", "application/json, text/event-stream",
        "Content-Type", "application/json"))
        .POST(HttpRequest.BodyPublishers.ofString(message(id, method, params).toString(), StandardCharsets.UTF_8));
    try {
      HttpResponse<Stream<String>> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofLines());
      String type = r.headers().firstValue("Content-Type").orElse("");
      if (!type.startsWith("text/event-stream")) {
        String body = String.join("\n", (Iterable<String>) r.body()::iterator);
        if (r.statusCode() != 200) throw new AssertionError(method + " answered " + r.statusCode() + ": " + body);
        return JSON.readTree(body);
      }
      try (Stream<String> lines = r.body()) {
        StringBuilder data = new StringBuilder();
        for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
          String line = it.next();
          if (line.startsWith("data:")) {
            data.append(line.substring(5).trim());
          } else if (line.isEmpty() && data.length() > 0) {
            JsonNode message = JSON.readTree(data.toString());
            data.setLength(0);
            if (message.has("id") && !message.has("method") && message.get("id").asLong() == id) return message;
            others.accept(message);
          }
        }
      }
      throw new AssertionError("the SSE stream of " + method + " ended without its response");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  JsonNode call(String method, JsonNode params) {
    List<JsonNode> ignored = new ArrayList<>();
    return call(method, params, ignored::add);
  }

  /** The result of a request that must succeed. */
  JsonNode result(String method, JsonNode params) {
    JsonNode response = call(method, params);
    if (!response.has("result")) throw new AssertionError(method + " failed: " + response);
    return response.get("result");
  }

  /** tools/call's result (a CallToolResult). */
  JsonNode tool(String name, String argumentsJson) {
    ObjectNode params = JSON.createObjectNode();
    params.put("name", name);
    params.set("arguments", object(argumentsJson));
    return result("tools/call", params);
  }

  /** Posts a JSON-RPC response of the client (to a server request). */
  Response reply(JsonNode id, JsonNode result) {
    ObjectNode message = JSON.createObjectNode();
    message.put("jsonrpc", "2.0");
    message.set("id", id);
    message.set("result", result);
    return postRaw(message.toString());
  }

  Response delete() {
    return send(request(Map.of()).DELETE());
  }

  HttpClient http() {
    return http;
  }
}
