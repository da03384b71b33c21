package io.taskforce.internal.task;

import io.taskforce.api.Progress;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.node.NodeSlots;
import org.apache.pekko.actor.typed.ActorRef;

/** Everything a task entity is told: by the facade, by its session, by its runner, by itself. */
public sealed interface TaskCommand extends JsonSerializable {

  /** A command that gets an answer in every state. */
  sealed interface Request extends TaskCommand {
    ActorRef<TaskReply> replyTo();
  }

  // ---- from the facade

  record Create(TaskData data, ActorRef<TaskReply> replyTo) implements Request {}

  record Get(ActorRef<TaskReply> replyTo) implements Request {}

  /** Answered when the task is final (maybe at once); the asker gives up on its own deadline. */
  record AwaitFinished(ActorRef<TaskReply> replyTo) implements Request {}

  record GetOutput(long offset, int maxBytes, ActorRef<TaskReply> replyTo) implements Request {}

  record Pause(ActorRef<TaskReply> replyTo) implements Request {}

  record Resume(ActorRef<TaskReply> replyTo) implements Request {}

  record Cancel(String reason, ActorRef<TaskReply> replyTo) implements Request {}

  record Answer(String text, ActorRef<TaskReply> replyTo) implements Request {}

  // ---- from the session

  /** The session grants a slot: start an attempt (retold until the task reports it started). */
  record StartAttempt() implements TaskCommand {}

  /** The session applied the reports up to {@code upTo}; also wakes a task after a restart. */
  record ConfirmReports(long upTo) implements TaskCommand {}

  /**
   * Its session, come back after a restart, wakes it (through the node's {@code TaskWaker}): a
   * confirmation up to {@code upTo} that the task answers with its unconfirmed reports, none if it
   * has none, so that the session knows it is up and the waker wakes the next.
   */
  record Wake(long upTo) implements TaskCommand {}

  /** The session is closed: cancel (retold until the final report arrives). */
  record CancelForSession(String reason) implements TaskCommand {}

  // ---- from this node

  /** A slot: lease {@code lease} of the node whose slot keeper is {@code host} (this one or another). */
  record NodeSlotGranted(ActorRef<NodeSlots.Command> host, long lease) implements TaskCommand {}

  record RunnerProgress(int attempt, Progress progress) implements TaskCommand {}

  record RunnerAsked(int attempt, String question) implements TaskCommand {}

  record RunnerEnded(int attempt, AttemptOutcome outcome) implements TaskCommand {}

  /** The runner of {@code attempt} stopped (after it ended, or because it crashed). */
  record RunnerStopped(int attempt) implements TaskCommand {}

  /** Sent by sharding when this node hands the entity off (a clean shutdown or a rebalance). */
  record HandOff() implements TaskCommand {}

  // ---- from itself

  record RetellReports() implements TaskCommand {}

  record AttemptTimedOut(int attempt) implements TaskCommand {}

  record RetryDue() implements TaskCommand {}

  record RecoverAttempt() implements TaskCommand {}

  record PersistProgress() implements TaskCommand {}

  /** A finished task that nobody asked about for a while stops. */
  record IdleTimeout() implements TaskCommand {}

}
