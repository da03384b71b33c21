package io.taskforce.api;

public final class NotFoundException extends TaskforceException {
  public NotFoundException(String message) {
    super(message);
  }

  @Override
  public String problem() {
    return "not-found";
  }
}
