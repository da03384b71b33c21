package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a session asks a task to do. Only {@code executor} is required; the compact constructor
 * fills every other field with its default, so two specs that mean the same thing are equal (which
 * is what makes a repeated dispatch with a client-chosen id idempotent).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskSpec(
    String id,
    String title,
    String executor,
    JsonNode input,
    Integer priority,
    Long timeoutSeconds,
    Integer maxAttempts,
    Set<ErrorType> retryOn,
    JsonNode context,
    @JsonProperty("notify") Boolean notifySession,
    Map<String, String> labels) {

  public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  public static final int MAX_CONTEXT_BYTES = 16 * 1024;
  public static final int MAX_TITLE_CHARS = 1_000;
  public static final int MAX_LABELS = 64;
  public static final int MAX_LABEL_CHARS = 256;

  public TaskSpec {
    if (id != null && !ID_PATTERN.matcher(id).matches()) {
      throw new InvalidRequestException(
          "id", "id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
    }
    if (executor == null || executor.isBlank()) {
      throw new InvalidRequestException("executor", "executor is required");
    }
    title = title == null ? "" : title;
    if (title.length() > MAX_TITLE_CHARS) {
      throw new InvalidRequestException("title", "title is longer than " + MAX_TITLE_CHARS);
    }
    input = input == null || input.isNull() ? JsonNodeFactory.instance.objectNode() : input;
    priority = priority == null ? 0 : priority;
    if (timeoutSeconds != null && timeoutSeconds <= 0) {
      throw new InvalidRequestException("timeoutSeconds", "timeoutSeconds must be positive");
    }
    maxAttempts = maxAttempts == null ? 1 : maxAttempts;
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new InvalidRequestException("maxAttempts", "maxAttempts must be within 1..100");
    }
    retryOn =
        retryOn == null
            ? Set.copyOf(EnumSet.of(ErrorType.NODE_LOST))
            : (retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn)));
    if (context != null && context.isNull()) context = null;
    if (context != null
        && context.toString().getBytes(StandardCharsets.UTF_8).length > MAX_CONTEXT_BYTES) {
      throw new InvalidRequestException("context", "context is larger than 16 KiB");
    }
    notifySession = notifySession == null ? Boolean.TRUE : notifySession;
    labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    if (labels.size() > MAX_LABELS) {
      throw new InvalidRequestException("labels", "at most " + MAX_LABELS + " labels");
    }
    for (var e : labels.entrySet()) {
      if (e.getKey().length() > MAX_LABEL_CHARS
          || e.getValue() == null
          || e.getValue().length() > MAX_LABEL_CHARS) {
        throw new InvalidRequestException(
            "labels", "label keys and values are strings of at most " + MAX_LABEL_CHARS + " chars");
      }
    }
  }

  /** A spec with every default, for the given executor and input. */
  public static TaskSpec of(String executor, JsonNode input) {
    return new TaskSpec(null, null, executor, input, null, null, null, null, null, null, null);
  }

  public TaskSpec withId(String newId) {
    return new TaskSpec(newId, title, executor, input, priority, timeoutSeconds, maxAttempts,
        retryOn, context, notifySession, labels);
  }

  public TaskSpec withTitle(String newTitle) {
    return new TaskSpec(id, newTitle, executor, input, priority, timeoutSeconds, maxAttempts,
        retryOn, context, notifySession, labels);
  }

  public TaskSpec withPriority(int newPriority) {
    return new TaskSpec(id, title, executor, input, newPriority, timeoutSeconds, maxAttempts,
        retryOn, context, notifySession, labels);
  }

  public TaskSpec withTimeoutSeconds(long seconds) {
    return new TaskSpec(id, title, executor, input, priority, seconds, maxAttempts, retryOn,
        context, notifySession, labels);
  }

  public TaskSpec withRetries(int attempts, Set<ErrorType> on) {
    return new TaskSpec(id, title, executor, input, priority, timeoutSeconds, attempts, on,
        context, notifySession, labels);
  }

  public TaskSpec withContext(JsonNode newContext) {
    return new TaskSpec(id, title, executor, input, priority, timeoutSeconds, maxAttempts,
        retryOn, newContext, notifySession, labels);
  }

  /** {@code false} is fire-and-forget: no completion event on the session's feed. */
  public TaskSpec withNotify(boolean newNotify) {
    return new TaskSpec(id, title, executor, input, priority, timeoutSeconds, maxAttempts,
        retryOn, context, newNotify, labels);
  }

  public TaskSpec withLabels(Map<String, String> newLabels) {
    return new TaskSpec(id, title, executor, input, priority, timeoutSeconds, maxAttempts,
        retryOn, context, notifySession, newLabels);
  }
}
