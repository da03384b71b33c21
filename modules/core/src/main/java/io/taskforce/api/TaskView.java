package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/** A task as the API shows it. {@code result} only when completed, {@code error} only when failed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskView(
    String id,
    String sessionId,
    String title,
    String executor,
    TaskStatus status,
    String question,
    Progress progress,
    int attempt,
    int maxAttempts,
    int priority,
    Map<String, String> labels,
    JsonNode context,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    JsonNode result,
    TaskError error) {}
