package io.taskforce.internal.session;

import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.task.TaskReport;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** Everything a session entity is told: by the facade, by its tasks, by itself. */
public sealed interface SessionCommand extends JsonSerializable {

  sealed interface Request extends SessionCommand {
    ActorRef<SessionReply> replyTo();
  }

  // ---- from the facade

  /** Creates the session; refused when it exists already. */
  record Create(SessionInfo info, ActorRef<SessionReply> replyTo) implements Request {}

  /**
   * Before a dispatch: creates the session with {@code defaults} if it does not exist, refuses when
   * it is closed or its queue is full.
   */
  record PrepareDispatch(SessionInfo defaults, ActorRef<SessionReply> replyTo) implements Request {}

  record Get(ActorRef<SessionReply> replyTo) implements Request {}

  record Close(ActorRef<SessionReply> replyTo) implements Request {}

  record Ack(long upTo, ActorRef<SessionReply> replyTo) implements Request {}

  record LocateFeed(long afterSeq, ActorRef<SessionReply> replyTo) implements Request {}

  // ---- from its tasks

  /**
   * A task's unconfirmed reports, in order; answered with a confirmation to the task. Sent with no
   * reports by a task that has just come back, so that its session knows it is up.
   */
  record ApplyReports(String taskId, List<TaskReport> reports) implements SessionCommand {}

  /** The task stored that its final report was confirmed; the session may forget it. */
  record ForgetTask(String taskId) implements SessionCommand {}

  // ---- from itself and from sharding

  /** Writes the reports that arrived since the last write, all in one. */
  record FlushReports() implements SessionCommand {}

  record Retell() implements SessionCommand {}

  /** Tells every started task, which brings back one that is down (see {@code session.wake-interval}). */
  record WakeStartedTasks() implements SessionCommand {}

  /** The node's {@link TaskWaker} has woken (or given up on) every task this session handed it. */
  record WakesDone() implements SessionCommand {}

  record IdleCheck() implements SessionCommand {}

  record HandOff() implements SessionCommand {}
}
