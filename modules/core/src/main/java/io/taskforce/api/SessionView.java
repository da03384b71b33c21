package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/**
 * A session as the API shows it. {@code counts} has one entry per task status, zeros included;
 * {@code status} is {@code active} or {@code closed}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionView(
    String id,
    String title,
    String status,
    Instant createdAt,
    int maxConcurrentTasks,
    Map<String, Long> counts,
    long lastEventSeq,
    long ackedEventSeq,
    JsonNode metadata) {}
