package io.taskforce.internal.session;

import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.task.TaskReport;
import java.time.Instant;
import java.util.List;

/** The facts of a session's life. The feed is made of its {@link ReportApplied} events. */
public sealed interface SessionEvent extends JsonSerializable {
  Instant at();

  record SessionCreated(SessionInfo info, Instant at) implements SessionEvent {}

  /**
   * A task's report, applied once. {@code feedSeq} is its number on the feed (0 when it is not on
   * the feed: a requeue, or the final report of a fire-and-forget task); {@code journalSeqNr} is
   * this event's own sequence number in the journal (for the feed index); {@code grants} are the
   * queued tasks this change lets start.
   */
  record ReportApplied(
      String taskId,
      TaskReport report,
      long feedSeq,
      long journalSeqNr,
      List<String> grants,
      Instant at)
      implements SessionEvent {}

  record FeedAcked(long upTo, Instant at) implements SessionEvent {}

  /** Written by earlier versions, one per task: read as a {@link TasksForgotten} of one. */
  record TaskForgotten(String taskId, Instant at) implements SessionEvent {}

  /**
   * These finished tasks confirmed that they know their final report was applied: the session lets
   * them go. One event for every task that confirmed since the session last wrote.
   */
  record TasksForgotten(List<String> taskIds, Instant at) implements SessionEvent {
    public TasksForgotten {
      taskIds = List.copyOf(taskIds);
    }
  }

  record SessionClosed(Instant at) implements SessionEvent {}
}
