package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The types of a session's feed events. Only {@link #PROGRESS} is live-only (no number). */
public enum FeedEventType {
  DISPATCHED("task.dispatched"),
  STARTED("task.started"),
  PROGRESS("task.progress"),
  PAUSED("task.paused"),
  RESUMED("task.resumed"),
  INPUT_REQUIRED("task.input_required"),
  COMPLETED("task.completed"),
  FAILED("task.failed"),
  CANCELLED("task.cancelled");

  private final String wire;

  FeedEventType(String wire) {
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
  public static FeedEventType fromWire(String wire) {
    for (FeedEventType t : values()) {
      if (t.wire.equals(wire)) return t;
    }
    throw new IllegalArgumentException("unknown feed event type '" + wire + "'");
  }
}
