package io.taskforce.internal;

/** Why an entity refused a command; the facade turns each into its API exception. */
public enum Refusal {
  NOT_FOUND,
  CONFLICT,
  QUEUE_FULL
}
