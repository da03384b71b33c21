package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Why an attempt failed; also the words a {@link TaskSpec#retryOn()} list is made of. */
public enum ErrorType {
  /** The executor's work ended unsuccessfully (a process exited non-zero). */
  EXIT("exit"),
  /** The attempt ran longer than {@link TaskSpec#timeoutSeconds()}. */
  TIMEOUT("timeout"),
  /** The executor itself failed (threw, or could not start the work). */
  EXECUTOR("executor"),
  /** The node running the attempt died, so the attempt has no outcome. */
  NODE_LOST("node-lost");

  private final String wire;

  ErrorType(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ErrorType fromWire(String wire) {
    for (ErrorType t : values()) {
      if (t.wire.equals(wire)) return t;
    }
    throw new IllegalArgumentException(
        "unknown error type '" + wire + "' (expected exit, timeout, executor or node-lost)");
  }
}
