package io.taskforce.internal.task;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.TaskError;
import io.taskforce.internal.JsonSerializable;

/** How one attempt ended, with the tail of its output. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AttemptOutcome.Succeeded.class, name = "succeeded"),
  @JsonSubTypes.Type(value = AttemptOutcome.Failed.class, name = "failed"),
  @JsonSubTypes.Type(value = AttemptOutcome.Stopped.class, name = "stopped"),
  @JsonSubTypes.Type(value = AttemptOutcome.Interrupted.class, name = "interrupted")
})
public sealed interface AttemptOutcome extends JsonSerializable {
  OutputTail output();

  record Succeeded(JsonNode result, OutputTail output) implements AttemptOutcome {}

  record Failed(TaskError error, OutputTail output) implements AttemptOutcome {}

  /** The attempt stopped because it was told to (cancel, timeout, shutdown). */
  record Stopped(OutputTail output) implements AttemptOutcome {}

  /**
   * The attempt was stopped because the node running it drains or shuts down, not because of the
   * task: it runs again elsewhere and does not count as an attempt.
   */
  record Interrupted(OutputTail output) implements AttemptOutcome {}
}
