package io.taskforce.api;

public final class ConflictException extends TaskforceException {
  public ConflictException(String message) {
    super(message);
  }

  @Override
  public String problem() {
    return "conflict";
  }
}
