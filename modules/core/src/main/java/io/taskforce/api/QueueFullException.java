package io.taskforce.api;

import java.time.Duration;

/** The session's queue holds {@code maxQueuedTasks} already; try again later. */
public final class QueueFullException extends TaskforceException {
  private final Duration retryAfter;

  public QueueFullException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public String problem() {
    return "queue-full";
  }
}
