package io.taskforce.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/** What a session is, fixed at its creation. */
public record SessionInfo(
    String tenant,
    String sessionId,
    String title,
    int maxConcurrentTasks,
    int maxQueuedTasks,
    JsonNode metadata,
    Instant createdAt)
    implements JsonSerializable {}
