package io.taskforce.api;

/** Bad input, naming the field at fault; nothing was changed. */
public final class InvalidRequestException extends TaskforceException {
  private final String field;

  public InvalidRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault, or null when the request as a whole is. */
  public String field() {
    return field;
  }

  @Override
  public String problem() {
    return "invalid-request";
  }
}
