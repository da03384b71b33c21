package io.taskforce.spi;

/** Thrown to cooperative executor code once its attempt is cancelled; let it propagate. */
public class AttemptCancelledException extends Exception {
  public AttemptCancelledException() {
    super("attempt cancelled", null, false, false);
  }
}
