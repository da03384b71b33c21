package io.taskforce.http.mcp;

/**
 * What one progress token has reported so far, so that each {@code notifications/progress} sent
 * with it says something new and its value grows, as the protocol requires; shared by every
 * stream that reports progress with that token (a task's GET-stream notifications and a
 * {@code tasks/result} waiting for it).
 */
final class ProgressGate {
  /** Returned by {@link #next} when there is nothing to send. */
  static final double NOTHING = -1;

  private double last = -1;
  private String lastMessage;

  /**
   * The value to send for a task's progress ({@code percent} 0-100, or null when the task gave
   * only a message: then a small step above the last), or {@link #NOTHING} when it is no news.
   */
  synchronized double next(Double percent, String message) {
    double value;
    if (percent != null) {
      if (percent <= last) return NOTHING;
      value = percent;
    } else {
      if (message == null || message.equals(lastMessage)) return NOTHING;
      value = last < 0 ? 0 : last + 0.001;
      if (value >= 100) return NOTHING;
    }
    last = value;
    lastMessage = message;
    return value;
  }
}
