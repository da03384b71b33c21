package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/** The scenarios' calls over the HTTP API v1 (JDK HttpClient, HTTP/1.1, keep-alive), SSE for the feed. */
final class HttpApiClient implements Client {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String auth;
  private final ExecutorService executor;
  private final HttpClient http;

  HttpApiClient(String base, String token) {
    this.base = base;
    this.auth = "Bearer " + token;
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "bench-http-client");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", auth).timeout(Duration.ofSeconds(60));
  }

  private CompletableFuture<JsonNode> send(HttpRequest request, int expected) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
      if (response.statusCode() != expected && !(expected == 202 && response.statusCode() == 200)) {
        throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered "
            + response.statusCode() + ": " + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      }
      try {
        return JSON.readTree(response.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static HttpRequest.BodyPublisher body(JsonNode node) {
    try {
      return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public CompletableFuture<Void> createSession(String sessionId, int maxConcurrentTasks) {
    ObjectNode spec = JSON.createObjectNode().put("id", sessionId).put("maxConcurrentTasks", maxConcurrentTasks);
    return send(request("/v1/sessions").header("Content-Type", "application/json").POST(body(spec)).build(), 201)
        .thenApply(n -> null);
  }

  @Override
  public CompletableFuture<String> dispatch(String sessionId, String executorName, JsonNode input) {
    ObjectNode spec = JSON.createObjectNode().put("executor", executorName);
    spec.set("input", input);
    return send(request("/v1/sessions/" + sessionId + "/tasks").header("Content-Type", "application/json")
        .POST(body(spec)).build(), 202).thenApply(task -> task.path("id").asText());
  }

  @Override
  public CompletableFuture<String> transition(String taskId, String verb) {
    return send(request("/v1/tasks/" + taskId + "/" + verb).POST(HttpRequest.BodyPublishers.noBody()).build(), 200)
        .thenApply(task -> task.path("status").asText());
  }

  @Override
  public CompletableFuture<String> status(String taskId) {
    return send(request("/v1/tasks/" + taskId).GET().build(), 200).thenApply(task -> task.path("status").asText());
  }

  @Override
  public AutoCloseable subscribe(String sessionId, Consumer<Event> listener) {
    SseLines lines = new SseLines(listener);
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + sessionId + "/events?after=0"))
        .header("Authorization", auth).header("Accept", "text/event-stream").GET().build();
    http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(lines));
    return lines::cancel;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Frames of {@code event:} and {@code data:} lines; a blank line ends one. */
  private static final class SseLines implements Flow.Subscriber<String> {
    private final Consumer<Event> listener;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private String type;
    private String data;

    SseLines(Consumer<Event> listener) {
      this.listener = listener;
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) s.cancel();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) s.cancel();
      else s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        if (type != null && data != null && !type.equals("task.progress")) {
          try {
            listener.accept(new Event(type, JSON.readTree(data).path("taskId").asText(null)));
          } catch (IOException ignored) {
            // not JSON: not an event of ours
          }
        }
        type = null;
        data = null;
      } else if (line.startsWith("event:")) {
        type = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data = line.substring(5).trim();
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
