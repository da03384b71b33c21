package io.taskforce.api;

import java.time.Duration;

/**
 * The journal could not be written (or did not answer in time). The request may or may not have
 * taken effect; a dispatch retried with the same client-chosen id is exactly once.
 */
public final class UnavailableException extends TaskforceException {
  private final Duration retryAfter;

  public UnavailableException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public String problem() {
    return "unavailable";
  }
}
