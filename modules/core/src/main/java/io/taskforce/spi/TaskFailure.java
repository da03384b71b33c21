package io.taskforce.spi;

import io.taskforce.api.ErrorType;

/** How an executor says that an attempt failed, and of which type (see {@code retryOn}). */
public class TaskFailure extends Exception {
  private final ErrorType type;

  public TaskFailure(ErrorType type, String message) {
    super(message, null, false, false);
    this.type = type;
  }

  public ErrorType type() {
    return type;
  }
}
