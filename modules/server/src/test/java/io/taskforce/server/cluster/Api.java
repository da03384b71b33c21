package io.taskforce.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The HTTP API of API.md as a test client sees it: bearer token on {@code /v1}, basic auth on the
 * management port. Every call has a timeout; a connection error surfaces as {@link UncheckedIOException}.
 */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3))
      .build();
  private final String token;
  private final String adminUser;
  private final String adminPassword;

  Api(String token, String adminUser, String adminPassword) {
    this.token = token;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
  }

  /** One answer. */
  record Reply(int status, String body, HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (status " + status + "): " + body, e);
      }
    }

    Reply expect(int expected) {
      if (status != expected) throw new AssertionError("expected " + expected + ", got " + status + ": " + body);
      return this;
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  // ---- /v1

  Reply get(ClusterNode node, String path) {
    return send(request(node.api() + path).GET(), Duration.ofSeconds(30));
  }

  Reply get(ClusterNode node, String path, Duration timeout) {
    return send(request(node.api() + path).GET(), timeout);
  }

  Reply post(ClusterNode node, String path, String json) {
    return send(request(node.api() + path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)), Duration.ofSeconds(30));
  }

  Reply dispatch(ClusterNode node, String sessionId, ObjectNode spec) {
    return post(node, "/v1/sessions/" + enc(sessionId) + "/tasks", spec.toString());
  }

  /**
   * Dispatches as a client that must get its task in does: a 503 or a connection error is retried
   * with the same id (then it happens exactly once) until {@code 202} or {@code 200}, for up to 60 s.
   */
  Reply dispatchUntilAccepted(ClusterNode node, String sessionId, ObjectNode spec) {
    return Await.until("dispatch of " + spec.path("id").asText() + " accepted", Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
      Reply reply = dispatch(node, sessionId, spec);
      if (reply.status() == 202 || reply.status() == 200) return reply;
      if (reply.status() != 503) throw new Await.Hopeless("dispatch answered " + reply);
      return null;
    });
  }

  /** Creates a session that may run {@code maxConcurrent} tasks at once (201, or 409 if it exists). */
  Reply createSession(ClusterNode node, String sessionId, int maxConcurrent) {
    ObjectNode body = JSON.createObjectNode().put("id", sessionId).put("maxConcurrentTasks", maxConcurrent);
    return post(node, "/v1/sessions", body.toString());
  }

  JsonNode task(ClusterNode node, String taskId) {
    return get(node, "/v1/tasks/" + enc(taskId)).expect(200).json();
  }

  /** Every task of the tenant, through the paged list (newest first). */
  List<JsonNode> allTasks(ClusterNode node) {
    return pages(node, "/v1/tasks?limit=500");
  }

  List<JsonNode> sessionTasks(ClusterNode node, String sessionId) {
    return pages(node, "/v1/sessions/" + enc(sessionId) + "/tasks?limit=500");
  }

  private List<JsonNode> pages(ClusterNode node, String first) {
    List<JsonNode> items = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = get(node, first + (cursor == null ? "" : "&cursor=" + enc(cursor))).expect(200).json();
      page.path("items").forEach(items::add);
      cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
    } while (cursor != null);
    return items;
  }

  /** Every durable event of a session's feed so far (long poll without waiting, page by page). */
  List<JsonNode> feed(ClusterNode node, String sessionId) {
    List<JsonNode> events = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page = send(request(node.api() + "/v1/sessions/" + enc(sessionId) + "/events?after=" + after
          + "&limit=1000&waitSeconds=0").header("Accept", "application/json").GET(), Duration.ofSeconds(30))
          .expect(200).json();
      ArrayNode batch = (ArrayNode) page.path("events");
      batch.forEach(events::add);
      long next = page.path("nextAfter").asLong(after);
      if (batch.isEmpty() || next <= after) return events;
      after = next;
    }
  }

  static final java.util.Set<String> FINAL = java.util.Set.of("completed", "failed", "cancelled");

  /**
   * Waits until every task of {@code ids} is final (GET of each, current); answers them by id. The
   * unfinished ones are asked again until {@code within} has passed.
   */
  Map<String, JsonNode> awaitFinal(ClusterNode node, java.util.Collection<String> ids, Duration within) {
    Map<String, JsonNode> done = new java.util.concurrent.ConcurrentHashMap<>();
    Await.untilTrue(ids.size() + " tasks final", within, Duration.ofMillis(500), () -> {
      List<String> open = new ArrayList<>();
      for (String id : ids) {
        if (done.containsKey(id)) continue;
        JsonNode task = task(node, id);
        if (FINAL.contains(task.path("status").asText())) done.put(id, task);
        else open.add(id + "=" + task.path("status").asText());
      }
      if (!open.isEmpty()) {
        throw new AssertionError(open.size() + " unfinished, e.g. " + open.subList(0, Math.min(10, open.size())));
      }
      return true;
    });
    return new java.util.TreeMap<>(done);
  }

  /** When a run (a line of a runs file) started. */
  static java.time.Instant runStart(String runsLine) {
    String[] parts = runsLine.split(" ");
    double seconds = Double.parseDouble(parts[1]);
    return java.time.Instant.ofEpochSecond((long) seconds, (long) ((seconds - Math.floor(seconds)) * 1e9));
  }

  /** The lines of a task's runs file (see {@link #processTask}); empty if it never ran. */
  static List<String> runs(java.nio.file.Path runsDir, String taskId) {
    java.nio.file.Path file = runsDir.resolve(taskId);
    try {
      return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the management port

  Reply management(ClusterNode node, String path, boolean withCredentials) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.management() + path)).GET();
    if (withCredentials) request.header("Authorization", basic(adminUser, adminPassword));
    return send(request, Duration.ofSeconds(10));
  }

  Reply managementWith(ClusterNode node, String path, String user, String password) {
    return send(HttpRequest.newBuilder(URI.create(node.management() + path)).GET()
        .header("Authorization", basic(user, password)), Duration.ofSeconds(10));
  }

  /** {@code /ready} answers 200. */
  boolean ready(ClusterNode node) {
    try {
      return management(node, "/ready", false).status() == 200;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** The members node reports, address (host:port) to status. */
  Map<String, String> members(ClusterNode node) {
    JsonNode body = management(node, "/cluster/members", true).expect(200).json();
    Map<String, String> members = new java.util.TreeMap<>();
    for (JsonNode member : body.path("members")) {
      String address = member.path("node").asText();
      members.put(address.substring(address.indexOf('@') + 1), member.path("status").asText());
    }
    for (JsonNode unreachable : body.path("unreachable")) {
      String address = unreachable.path("node").asText();
      members.put(address.substring(address.indexOf('@') + 1), "unreachable");
    }
    return members;
  }

  // ---- plumbing

  HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
  }

  HttpClient client() {
    return http;
  }

  Reply send(HttpRequest.Builder request, Duration timeout) {
    try {
      HttpResponse<String> response = http.send(request.timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  // ---- specs

  /**
   * A {@code process} task running {@code script} under bash. {@code runsDir}, when given, gets
   * one line per run of the task in the file named by its id ("attempt epoch-seconds working-dir"),
   * written first thing,
   * so a test counts the runs independently of what the task says about itself.
   */
  static ObjectNode processTask(String id, String script, int maxAttempts, java.nio.file.Path runsDir) {
    String prefix = runsDir == null ? "" : "echo \"$TASKFORCE_ATTEMPT $(date +%s.%N) $(pwd)\" >> '" + runsDir.resolve(id) + "'; ";
    ObjectNode spec = JSON.createObjectNode().put("id", id).put("title", id).put("executor", "process")
        .put("maxAttempts", maxAttempts);
    ArrayNode command = spec.putObject("input").putArray("command");
    command.add("bash").add("-c").add(prefix + script);
    return spec;
  }

  /** The node (its index) whose data directory a path printed by a task lies in, or -1. */
  static int nodeOf(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("/node-(\\d+)/data/").matcher(text);
    int found = -1;
    while (m.find()) found = Integer.parseInt(m.group(1));
    return found;
  }
}
