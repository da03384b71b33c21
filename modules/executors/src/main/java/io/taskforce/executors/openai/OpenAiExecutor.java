package io.taskforce.executors.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.taskforce.api.ErrorType;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.InvalidInputException;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.spi.TaskFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code openai} executor: one streamed chat completion from an OpenAI-compatible endpoint
 * (Ollama, vLLM, llama.cpp's server, hosted APIs). Endpoints are named in the server's
 * configuration; a task can only name one of them, so it cannot make the server call any other
 * address. The progress message shows the text so far; the result is
 * {@code {"text", "finishReason", "usage"?}}.
 *
 * <p>Pause stops reading the stream, so the endpoint is held back by TCP itself; if it closed the
 * connection meanwhile, the attempt goes on with a new request that gives the text so far as the
 * start of the assistant's answer. Cancel closes the connection.
 */
public final class OpenAiExecutor implements TaskExecutor {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("endpoint", "model", "messages", "prompt", "temperature", "maxTokens");
  private static final int MESSAGE_CHARS = 200;

  /** A configured endpoint: its name, its base URL (up to {@code /v1}), the variable holding its key. */
  public record Endpoint(String name, URI baseUrl, String apiKeyEnv) {}

  public record Settings(
      List<Endpoint> endpoints, Duration connectTimeout, Duration requestTimeout, Duration maxRetryAfter, int maxRetries) {

    public static Settings from(Config config) {
      Config c = config.getConfig("taskforce.executors.openai");
      List<Endpoint> endpoints = c.getConfigList("endpoints").stream()
          .map(e -> new Endpoint(e.getString("name"), URI.create(e.getString("base-url").replaceAll("/+$", "")),
              e.hasPath("api-key-env") ? e.getString("api-key-env") : ""))
          .toList();
      return new Settings(endpoints, c.getDuration("connect-timeout"), c.getDuration("request-timeout"),
          c.getDuration("max-retry-after"), c.getInt("max-retries"));
    }
  }

  private final Settings settings;
  private final HttpClient http;

  public OpenAiExecutor(Settings settings) {
    this.settings = settings;
    // HTTP/1.1: an h2c upgrade offer confuses some servers and proxies, and streams gain nothing.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .build();
  }

  @Override
  public void validate(JsonNode input) throws InvalidInputException {
    if (input == null || !input.isObject()) throw new InvalidInputException(null, "input must be an object");
    Set<String> unknown = new TreeSet<>();
    input.fieldNames().forEachRemaining(name -> {
      if (!FIELDS.contains(name)) unknown.add(name);
    });
    if (!unknown.isEmpty()) {
      throw new InvalidInputException(unknown.iterator().next(), "unknown input fields " + unknown
          + " (known: endpoint, model, messages, prompt, temperature, maxTokens)");
    }
    if (!input.path("model").isTextual() || input.path("model").asText().isBlank()) {
      throw new InvalidInputException("model", "model is required (a string)");
    }
    boolean hasMessages = input.has("messages");
    boolean hasPrompt = input.has("prompt");
    if (hasMessages == hasPrompt) throw new InvalidInputException("messages", "give either messages or prompt");
    if (hasPrompt && !input.get("prompt").isTextual()) throw new InvalidInputException("prompt", "prompt must be a string");
    if (hasMessages) {
      JsonNode messages = input.get("messages");
      if (!messages.isArray() || messages.isEmpty()) {
        throw new InvalidInputException("messages", "messages must be a non-empty list");
      }
      for (int i = 0; i < messages.size(); i++) {
        JsonNode m = messages.get(i);
        if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
          throw new InvalidInputException("messages[" + i + "]", "each message needs a string role and content");
        }
      }
    }
    if (input.has("temperature") && !input.get("temperature").isNumber()) {
      throw new InvalidInputException("temperature", "temperature must be a number");
    }
    if (input.has("maxTokens")
        && (!input.get("maxTokens").isIntegralNumber() || !input.get("maxTokens").canConvertToInt()
            || input.get("maxTokens").asInt() <= 0)) {
      throw new InvalidInputException("maxTokens", "maxTokens must be a positive integer");
    }
    if (input.has("endpoint")) {
      if (!input.get("endpoint").isTextual() || endpoint(input.get("endpoint").asText()).isEmpty()) {
        throw new InvalidInputException("endpoint", "unknown endpoint; configured: "
            + settings.endpoints().stream().map(Endpoint::name).toList());
      }
    } else if (settings.endpoints().isEmpty()) {
      throw new InvalidInputException("endpoint", "no openai endpoint is configured on this server");
    }
  }

  @Override
  public java.util.concurrent.CompletionStage<JsonNode> start(AttemptContext context) {
    return TaskExecutor.blocking(this::complete).start(context);
  }

  private JsonNode complete(AttemptContext context) throws Exception {
    JsonNode input = context.input();
    Endpoint endpoint = input.has("endpoint")
        ? endpoint(input.get("endpoint").asText()).orElseThrow(() -> new TaskFailure(ErrorType.EXECUTOR, "unknown endpoint"))
        : settings.endpoints().get(0);
    String key = endpoint.apiKeyEnv().isEmpty() ? null : System.getenv(endpoint.apiKeyEnv());
    AtomicReference<InputStream> body = new AtomicReference<>();
    AtomicReference<CompletableFuture<HttpResponse<InputStream>>> pending = new AtomicReference<>();
    context.onCancel(() -> {
      var future = pending.get();
      if (future != null) future.cancel(true); // also before the endpoint answered at all
      closeQuietly(body.get());
    });

    StringBuilder text = new StringBuilder();
    String finishReason = null;
    JsonNode usage = null;
    int retries = 0;
    while (true) {
      context.checkpoint();
      HttpResponse<InputStream> response;
      try {
        var future = http.sendAsync(request(endpoint, key, input, text.toString()), HttpResponse.BodyHandlers.ofInputStream());
        pending.set(future);
        if (context.isCancelled()) future.cancel(true);
        response = future.get();
      } catch (CancellationException | InterruptedException e) {
        throw new AttemptCancelledException();
      } catch (ExecutionException e) {
        if (context.isCancelled()) throw new AttemptCancelledException();
        if (retries++ < settings.maxRetries()) {
          waitFor(context, Duration.ofSeconds(1L << Math.min(retries, 4)));
          continue;
        }
        throw new TaskFailure(ErrorType.EXECUTOR, "cannot reach endpoint " + endpoint.name() + ": "
            + redact(String.valueOf(e.getCause() == null ? e : e.getCause().getMessage()), key));
      }
      int status = response.statusCode();
      if (status != 200) {
        String detail = redact(errorDetail(response), key);
        Optional<Duration> retryAfter = response.headers().firstValue("Retry-After").flatMap(OpenAiExecutor::seconds);
        boolean retryable = status == 429 || status >= 500;
        if (retryable && retries++ < settings.maxRetries()) {
          Duration wait = retryAfter.orElse(Duration.ofSeconds(1L << Math.min(retries, 4)));
          if (wait.compareTo(settings.maxRetryAfter()) <= 0) {
            waitFor(context, wait);
            continue;
          }
        }
        String hint = "";
        if (status == 401 || status == 403) {
          hint = endpoint.apiKeyEnv().isEmpty()
              ? " (no key is configured for it: set api-key-env)"
              : " (check the key in $" + endpoint.apiKeyEnv() + ")";
        } else if (retryAfter.isPresent()) {
          hint = " (retry after " + retryAfter.get().toSeconds() + " s)";
        }
        throw new TaskFailure(ErrorType.EXECUTOR, "endpoint " + endpoint.name() + " answered " + status + hint
            + (detail.isEmpty() ? "" : ": " + detail));
      }
      InputStream stream = response.body();
      body.set(stream);
      if (context.isCancelled()) closeQuietly(stream);
      String contentType = response.headers().firstValue("Content-Type").orElse("");
      if (contentType.startsWith("application/json")) {
        // A server that does not stream answers the whole completion at once.
        JsonNode whole = readWhole(stream, endpoint, key);
        JsonNode choice = whole.path("choices").path(0);
        String content = choice.path("message").path("content").asText("");
        text.append(content);
        context.output(content);
        context.progress(null, tail(text));
        finishReason = choice.path("finish_reason").asText("stop");
        if (whole.hasNonNull("usage")) usage = whole.get("usage");
        break;
      }
      boolean done = false;
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        while (!done) {
          context.checkpoint(); // while paused nothing is read: TCP holds the endpoint back
          String line = reader.readLine();
          if (line == null) break;
          if (!line.startsWith("data:")) continue;
          String data = line.substring(5).trim();
          if (data.equals("[DONE]")) {
            done = true;
            continue;
          }
          JsonNode chunk = parseChunk(data, endpoint, key);
          if (chunk.has("error")) {
            throw new TaskFailure(ErrorType.EXECUTOR, "endpoint " + endpoint.name() + " reported an error in its stream: "
                + redact(chunk.get("error").path("message").asText(chunk.get("error").toString()), key));
          }
          JsonNode choice = chunk.path("choices").path(0);
          String delta = choice.path("delta").path("content").asText("");
          if (!delta.isEmpty()) {
            text.append(delta);
            context.output(delta);
            context.progress(null, tail(text));
          }
          if (choice.hasNonNull("finish_reason")) finishReason = choice.get("finish_reason").asText();
          if (chunk.hasNonNull("usage")) usage = chunk.get("usage");
        }
      } catch (IOException e) {
        if (context.isCancelled()) throw new AttemptCancelledException();
      }
      if (context.isCancelled()) throw new AttemptCancelledException();
      // The answer is whole once the model said why it stopped, even if [DONE] got lost.
      if (done || finishReason != null) break;
      // The stream ended early (the connection was closed): go on from the text so far.
      if (retries++ >= settings.maxRetries()) {
        throw new TaskFailure(ErrorType.EXECUTOR, "the stream of endpoint " + endpoint.name()
            + " ended before the answer did, and so did " + settings.maxRetries() + " more tries");
      }
    }
    ObjectNode result = JSON.createObjectNode();
    result.put("text", text.toString());
    result.put("finishReason", finishReason == null ? "stop" : finishReason);
    if (usage != null) result.set("usage", usage);
    return result;
  }

  private static JsonNode parseChunk(String data, Endpoint endpoint, String key) throws TaskFailure {
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      String quoted = data.length() > 200 ? data.substring(0, 200) + "…" : data;
      throw new TaskFailure(ErrorType.EXECUTOR, "endpoint " + endpoint.name() + " sent a chunk that is not JSON: "
          + redact(quoted, key));
    }
  }

  private static JsonNode readWhole(InputStream stream, Endpoint endpoint, String key) throws IOException, TaskFailure {
    try (stream) {
      return parseChunk(new String(stream.readAllBytes(), StandardCharsets.UTF_8), endpoint, key);
    }
  }

  /** The key never reaches a task, an event or the output, even if an endpoint echoes it. */
  static String redact(String text, String key) {
    if (text == null || key == null || key.length() < 4) return text;
    return text.replace(key, "***");
  }

  private HttpRequest request(Endpoint endpoint, String key, JsonNode input, String prefix) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", input.get("model").asText());
    ArrayNode messages = body.putArray("messages");
    if (input.has("prompt")) {
      messages.addObject().put("role", "user").put("content", input.get("prompt").asText());
    } else {
      input.get("messages").forEach(m -> messages.addObject().put("role", m.get("role").asText())
          .put("content", m.get("content").asText()));
    }
    if (!prefix.isEmpty()) messages.addObject().put("role", "assistant").put("content", prefix);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    if (input.has("temperature")) body.set("temperature", input.get("temperature"));
    if (input.has("maxTokens")) body.put("max_tokens", input.get("maxTokens").asInt());
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + "/chat/completions"))
        .timeout(settings.requestTimeout())
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    if (key != null && !key.isEmpty()) builder.header("Authorization", "Bearer " + key);
    return builder.build();
  }

  private Optional<Endpoint> endpoint(String name) {
    return settings.endpoints().stream().filter(e -> e.name().equals(name)).findFirst();
  }

  private static void waitFor(AttemptContext context, Duration wait) throws AttemptCancelledException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      context.checkpoint();
      java.util.concurrent.locks.LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 100_000_000L));
    }
  }

  private static Optional<Duration> seconds(String value) {
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String errorDetail(HttpResponse<InputStream> response) {
    String body;
    try (InputStream in = response.body()) {
      body = new String(in.readNBytes(2000), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
    try {
      JsonNode json = JSON.readTree(body);
      if (json != null && json.path("error").path("message").isTextual()) return json.path("error").path("message").asText();
    } catch (IOException e) {
      // Not JSON: the text itself says it.
    }
    return body.length() > 300 ? body.substring(0, 300) : body;
  }

  private static String tail(StringBuilder text) {
    if (text.length() <= MESSAGE_CHARS) return text.toString();
    int from = text.length() - MESSAGE_CHARS;
    if (Character.isLowSurrogate(text.charAt(from))) from++; // never half an emoji
    return text.substring(from);
  }

  private static void closeQuietly(InputStream stream) {
    if (stream == null) return;
    try {
      stream.close();
    } catch (IOException e) {
      // Closing is all we wanted.
    }
  }
}
