package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The status of a task as the API names it. The last three are final and never change again. */
public enum TaskStatus {
  PENDING("pending"),
  RUNNING("running"),
  PAUSED("paused"),
  INPUT_REQUIRED("input_required"),
  COMPLETED("completed"),
  FAILED("failed"),
  CANCELLED("cancelled");

  private final String wire;

  TaskStatus(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TaskStatus fromWire(String wire) {
    for (TaskStatus s : values()) {
      if (s.wire.equals(wire)) return s;
    }
    throw new IllegalArgumentException("unknown task status '" + wire + "'");
  }
}
