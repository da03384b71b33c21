package io.taskforce.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Operation;
import io.taskforce.http.Tokens;
import io.taskforce.server.ServerMain;
import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A real Taskforce server on a random port (H2 in a fresh data directory, tenants {@code default}
 * and {@code other}), and a small HTTP client for it. One per test class.
 */
final class TestServer implements AutoCloseable {
  static final String TOKEN = "tf-test-default-token-0001";
  static final String OTHER_TOKEN = "tf-test-other-token-0002";
  static final ObjectMapper JSON = new ObjectMapper();

  private final ServerMain server;
  private final Config config;
  private final HttpClient http;
  final Path dataDir;
  final URI base;

  private TestServer(ServerMain server, Config config, Path dataDir) {
    this.server = server;
    this.config = config;
    this.dataDir = dataDir;
    this.base = URI.create("http://127.0.0.1:" + server.port());
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** A server with the common test settings, then {@code extraConfig} (HOCON lines) over them. */
  static TestServer start(String... extraConfig) {
    Path dataDir = TestConfigs.freshDataDir();
    String overrides = String.join("\n", extraConfig) + "\n" + String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"\"",
        "taskforce.server.tokens = \"default=" + TOKEN + ",other=" + OTHER_TOKEN + "\"",
        "taskforce.node.max-running = 8",
        "taskforce.http.sse-keep-alive = 1s",
        "taskforce.executors.process.kill-grace = 2s");
    Config config = TestConfigs.h2(dataDir, overrides);
    try {
      return new TestServer(ServerMain.start(config), config, dataDir);
    } catch (Exception e) {
      throw new IllegalStateException("the test server did not start", e);
    }
  }

  /** The operation table of the API this server serves. */
  List<Operation> operations() {
    return new HttpApi(server.taskforce(), new Tokens(Map.of(TOKEN, "default")), HttpApi.Settings.from(config))
        .operations();
  }

  @Override
  public void close() {
    server.stop();
    try (var paths = java.nio.file.Files.walk(dataDir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }

  // ---- requests

  HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(90));
    if (token != null) builder.header("Authorization", "Bearer " + token);
    return builder;
  }

  Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpClient client() {
    return http;
  }

  Response get(String path) {
    return get(path, TOKEN);
  }

  Response get(String path, String token) {
    return send(request(path, token).GET());
  }

  Response post(String path, String json) {
    return post(path, json, TOKEN);
  }

  Response post(String path, String json, String token) {
    HttpRequest.Builder builder = request(path, token);
    if (json == null) return send(builder.POST(HttpRequest.BodyPublishers.noBody()));
    return send(builder.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
  }

  Response postBytes(String path, byte[] body, String token) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  Response delete(String path, String token) {
    return send(request(path, token).DELETE());
  }

  /** {@code method} on {@code path} with an optional JSON body. */
  Response call(String method, String path, String json, String token) {
    HttpRequest.BodyPublisher body = json == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8);
    HttpRequest.Builder builder = request(path, token).method(method, body);
    if (json != null) builder.header("Content-Type", "application/json");
    return send(builder);
  }

  // ---- the API's own steps

  static String uid(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A {@code process} TaskSpec running {@code bash -c script}. */
  static ObjectNode bash(String id, String script) {
    ObjectNode spec = JSON.createObjectNode();
    if (id != null) spec.put("id", id);
    spec.put("executor", "process");
    ArrayNode command = spec.putObject("input").putArray("command");
    command.add("bash").add("-c").add(script);
    return spec;
  }

  Response dispatch(String sessionId, JsonNode spec) {
    return dispatch(sessionId, spec, TOKEN);
  }

  Response dispatch(String sessionId, JsonNode spec, String token) {
    return post("/v1/sessions/" + sessionId + "/tasks", spec.toString(), token);
  }

  /** Dispatches and expects 202; the task's id. */
  String dispatched(String sessionId, JsonNode spec) {
    return dispatched(sessionId, spec, TOKEN);
  }

  String dispatched(String sessionId, JsonNode spec, String token) {
    Response response = dispatch(sessionId, spec, token);
    if (response.status() != 202) throw new AssertionError("dispatch answered " + response.status() + ": " + response.text());
    return response.json().get("id").asText();
  }

  Response createSession(String json, String token) {
    return post("/v1/sessions", json, token);
  }

  /** The task once finished (waits up to 30 s). */
  JsonNode finished(String taskId) {
    return finished(taskId, TOKEN);
  }

  JsonNode finished(String taskId, String token) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Response response = get("/v1/tasks/" + taskId + "/result?waitSeconds=10", token);
      if (response.status() == 200) return response.json();
      if (response.status() != 202) throw new AssertionError("result answered " + response.status() + ": " + response.text());
    }
    throw new AssertionError("task " + taskId + " did not finish in 30 s");
  }

  /**
   * The first feed event of session {@code sessionId} (from its start) that {@code wanted} accepts,
   * read by long polls; fails after 20 s.
   */
  JsonNode awaitEvent(String sessionId, String token, Predicate<JsonNode> wanted) {
    long after = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Response page = send(request("/v1/sessions/" + sessionId + "/events?after=" + after + "&waitSeconds=2", token)
          .header("Accept", "application/json").GET());
      if (page.status() != 200) throw new AssertionError("feed answered " + page.status() + ": " + page.text());
      for (JsonNode event : page.json().get("events")) {
        if (wanted.test(event)) return event;
      }
      after = page.json().get("nextAfter").asLong();
    }
    throw new AssertionError("no such event on the feed of " + sessionId + " within 20 s");
  }

  /** Waits for task {@code taskId} of session {@code sessionId} to reach {@code status} (by its events). */
  void awaitStatus(String sessionId, String taskId, String status) {
    awaitStatus(sessionId, taskId, status, TOKEN);
  }

  void awaitStatus(String sessionId, String taskId, String status, String token) {
    awaitEvent(sessionId, token, e -> e.get("taskId").asText().equals(taskId) && e.get("status").asText().equals(status));
  }

  /** Every page of a listing, following {@code nextCursor}. */
  List<JsonNode> listAll(String path, String token) {
    List<JsonNode> items = new ArrayList<>();
    String cursor = null;
    do {
      String sep = path.contains("?") ? "&" : "?";
      Response page = get(path + (cursor == null ? "" : sep + "cursor=" + cursor), token);
      if (page.status() != 200) throw new AssertionError(path + " answered " + page.status() + ": " + page.text());
      page.json().get("items").forEach(items::add);
      cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asText() : null;
    } while (cursor != null);
    return items;
  }

  static List<String> ids(List<JsonNode> items) {
    return items.stream().map(i -> i.get("id").asText()).toList();
  }

  /**
   * Polls {@code probe} until {@code done} accepts its value (lists come from a read model that may
   * lag about a second); fails after {@code timeout}.
   */
  static <T> T eventually(Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T value = probe.get();
    while (!done.test(value)) {
      if (System.nanoTime() > deadline) throw new AssertionError("not reached within " + timeout + ": " + value);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      value = probe.get();
    }
    return value;
  }

  /** An answer: status, headers and body. */
  record Response(int status, HttpHeaders headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text(), e);
      }
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    String contentType() {
      return header("Content-Type").orElse("");
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }
}
