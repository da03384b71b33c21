package io.taskforce.internal.task;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskError;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/** The facts of a task's life, each carrying its own timestamp (event handlers read no clock). */
public sealed interface TaskEvent extends JsonSerializable {
  Instant at();

  /** Accepted: the spec, the session and the context are stored. */
  record Created(TaskData data, Instant at) implements TaskEvent {}

  /** An attempt began on a node slot. {@code attempt} is its number. */
  record Started(int attempt, Instant at) implements TaskEvent {}

  /** The latest progress, written at most about once a second while it changes. */
  record ProgressRecorded(Progress progress, Instant at) implements TaskEvent {}

  record InputRequested(String question, Instant at) implements TaskEvent {}

  record Answered(Instant at) implements TaskEvent {}

  record Paused(Instant at) implements TaskEvent {}

  /**
   * Back to where the task was paused from, or to pending when its attempt was lost while paused
   * ({@code attemptLost}; the lost attempt counts).
   */
  record Resumed(boolean attemptLost, Instant at) implements TaskEvent {}

  /** An attempt failed and another will follow, not before {@code retryAt}. */
  record AttemptFailed(TaskError error, Instant retryAt, Instant at) implements TaskEvent {}

  /** A clean shutdown stopped the attempt; it is re-run without counting. */
  record AttemptInterrupted(Instant at) implements TaskEvent {}

  record Completed(JsonNode result, OutputTail output, Instant at) implements TaskEvent {}

  record Failed(TaskError error, OutputTail output, Instant at) implements TaskEvent {}

  record Cancelled(String reason, OutputTail output, Instant at) implements TaskEvent {}

  /** The session confirmed the reports up to {@code upTo}; written only when it matters. */
  record ReportsConfirmed(long upTo, Instant at) implements TaskEvent {}
}
