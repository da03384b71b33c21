package io.taskforce.api;

/** Why a task failed: the {@code error} of a failed task. */
public record TaskError(ErrorType type, String message) {
  public TaskError {
    if (type == null) throw new IllegalArgumentException("error type is required");
    message = message == null ? "" : message;
  }
}
