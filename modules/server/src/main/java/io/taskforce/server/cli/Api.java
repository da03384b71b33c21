package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The client side of API v1 over the JDK's HTTP client. A 2xx answer is a {@link Reply}; anything
 * else becomes a {@link CliFailure} carrying the problem's title and detail and the exit code
 * (400 usage, 404 not found, other refusals failed); a connection that cannot be made is
 * {@link ExitCode#UNREACHABLE}.
 */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** A successful answer: its status, its body as sent, and the body parsed. */
  record Reply(int status, String body, JsonNode json) {}

  private final URI base;
  private final String token;
  private final HttpClient http;

  Api(URI base, String token) {
    this.base = base;
    this.token = token;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  URI base() {
    return base;
  }

  /** One path segment, encoded (ids come from the command line). */
  static String seg(String raw) {
    return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String query(String raw) {
    return URLEncoder.encode(raw, StandardCharsets.UTF_8);
  }

  Reply get(String path) {
    return send(request(path, REQUEST_TIMEOUT).GET().build());
  }

  /** A GET that the server may hold open for up to {@code serverWait}. */
  Reply getWaiting(String path, Duration serverWait) {
    return send(request(path, REQUEST_TIMEOUT.plus(serverWait)).GET().build());
  }

  Reply post(String path, JsonNode body) {
    String text = body == null ? "" : body.toString();
    HttpRequest.Builder builder = request(path, REQUEST_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
    if (body != null) builder.header("Content-Type", "application/json");
    return send(builder.build());
  }

  /**
   * Opens the session's SSE feed after {@code lastEventId}; the caller reads and closes the stream.
   * A refusal (404, 410, …) is a {@link CliFailure} with the HTTP status in {@link CliFailure#status()}.
   */
  InputStream openEvents(String sessionId, long lastEventId) throws IOException, InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri("/v1/sessions/" + seg(sessionId) + "/events"))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "text/event-stream")
        .GET();
    if (lastEventId > 0) builder.header("Last-Event-ID", Long.toString(lastEventId));
    HttpResponse<InputStream> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 == 2) return response.body();
    String body;
    try (InputStream in = response.body()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    throw refusal(response.statusCode(), body);
  }

  private HttpRequest.Builder request(String path, Duration timeout) {
    return HttpRequest.newBuilder(uri(path))
        .timeout(timeout)
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
  }

  private URI uri(String path) {
    return URI.create(base.toString() + path);
  }

  private Reply send(HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliFailure.unreachable(base.toString(), whyUnreachable(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.FAILED, "interrupted");
    }
    int status = response.statusCode();
    if (status / 100 != 2) throw refusal(status, response.body());
    JsonNode json;
    try {
      json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new CliFailure(ExitCode.FAILED, "the server's answer is not JSON (HTTP " + status + ")");
    }
    return new Reply(status, response.body(), json);
  }

  /** A non-2xx answer as the failure to report: the problem's title and detail. */
  static CliFailure refusal(int status, String body) {
    String title = "HTTP " + status;
    String detail = null;
    try {
      JsonNode problem = JSON.readTree(body);
      if (problem != null && problem.isObject()) {
        if (problem.path("title").isTextual()) title = problem.get("title").asText();
        if (problem.path("detail").isTextual()) detail = problem.get("detail").asText();
      }
    } catch (IOException e) {
      // not a problem+json body: the status says it
    }
    String message = detail == null || detail.equals(title) ? title : title + ": " + detail;
    int exit = switch (status) {
      case 400, 413 -> ExitCode.USAGE;
      case 404, 410 -> ExitCode.NOT_FOUND;
      default -> ExitCode.FAILED;
    };
    return new CliFailure(exit, status, message);
  }

  /** Why a connection failed, in words: the JDK's exceptions often carry no message of their own. */
  static String whyUnreachable(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.http.HttpConnectTimeoutException) return "connection timed out";
      if (t instanceof java.net.http.HttpTimeoutException) return "no answer in time";
      if (t instanceof java.net.ConnectException) return "connection refused";
      if (t instanceof java.net.UnknownHostException) return "unknown host " + t.getMessage();
    }
    return describe(e);
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) t = t.getCause();
    String name = t.getClass().getSimpleName();
    return t.getMessage() == null || t.getMessage().isBlank() ? name : t.getMessage();
  }
}
