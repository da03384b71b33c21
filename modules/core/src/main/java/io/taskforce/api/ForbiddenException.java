package io.taskforce.api;

public final class ForbiddenException extends TaskforceException {
  public ForbiddenException(String message) {
    super(message);
  }

  @Override
  public String problem() {
    return "forbidden";
  }
}
