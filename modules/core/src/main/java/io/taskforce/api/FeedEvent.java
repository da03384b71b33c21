package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/**
 * One event of a session's feed. Durable events are numbered 1, 2, 3 … per session; a
 * {@code task.progress} event is live only and has a null {@code seq}. {@code context} is carried
 * on final events so the session knows what the result was for.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeedEvent(
    Long seq,
    FeedEventType type,
    String taskId,
    TaskStatus status,
    Instant at,
    Progress progress,
    String question,
    JsonNode result,
    TaskError error,
    String title,
    JsonNode context,
    Integer attempt)
    implements JsonSerializable {

  public boolean durable() {
    return seq != null;
  }
}
