package io.taskforce.api;

public final class FeedTruncatedException extends TaskforceException {
  public FeedTruncatedException(String message) {
    super(message);
  }

  @Override
  public String problem() {
    return "feed-truncated";
  }
}
