package io.taskforce.internal.task;

import io.taskforce.api.FeedEventType;

/**
 * The durable changes a task reports to its session. {@link #REQUEUED} (an attempt that will be
 * retried, or one interrupted by a shutdown) frees the session's slot but is not on the feed.
 */
public enum ReportKind {
  DISPATCHED(FeedEventType.DISPATCHED),
  STARTED(FeedEventType.STARTED),
  PAUSED(FeedEventType.PAUSED),
  RESUMED(FeedEventType.RESUMED),
  INPUT_REQUIRED(FeedEventType.INPUT_REQUIRED),
  // An answered question returns the task to running: the feed calls that a resumption.
  ANSWERED(FeedEventType.RESUMED),
  REQUEUED(null),
  COMPLETED(FeedEventType.COMPLETED),
  FAILED(FeedEventType.FAILED),
  CANCELLED(FeedEventType.CANCELLED);

  private final FeedEventType feedType;

  ReportKind(FeedEventType feedType) {
    this.feedType = feedType;
  }

  /** The feed event this report becomes, or null when it is not on the feed. */
  public FeedEventType feedType() {
    return feedType;
  }

  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
