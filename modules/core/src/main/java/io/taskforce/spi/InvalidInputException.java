package io.taskforce.spi;

/** An executor's refusal of a task's input; {@code field} is a path inside {@code input}. */
public class InvalidInputException extends Exception {
  private final String field;

  public InvalidInputException(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
