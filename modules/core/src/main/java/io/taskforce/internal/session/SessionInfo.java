package io.taskforce.internal.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/** What a session is, fixed at its creation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SessionInfo(
    String tenant,
    String sessionId,
    String title,
    int maxConcurrentTasks,
    int maxQueuedTasks,
    JsonNode metadata,
    Instant createdAt)
    implements JsonSerializable {

  public SessionInfo {
    // JSON null and no metadata are one thing, before and after a journal round trip.
    if (metadata != null && metadata.isNull()) metadata = null;
  }
}
