package io.taskforce.internal.session;

import io.taskforce.api.TaskStatus;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.task.TaskReport;

/**
 * What a session keeps of one of its unfinished tasks: enough to schedule it and to apply its
 * reports once. {@code order} is the feed number of its dispatch (older first among equals);
 * {@code granted} says the session told it to start and counts it against its limit.
 */
public record TaskEntry(
    long order,
    int priority,
    TaskStatus status,
    boolean granted,
    boolean holdsSlot,
    long lastReportSeq,
    boolean finished)
    implements JsonSerializable {

  /** Whether it counts against the session's {@code maxConcurrentTasks}. */
  public boolean occupiesSlot() {
    return !finished && (holdsSlot || granted);
  }

  /** Whether it waits in the queue for a grant. */
  public boolean queued() {
    return !finished && status == TaskStatus.PENDING && !granted && !holdsSlot;
  }

  static TaskEntry dispatched(long order, TaskReport report) {
    return new TaskEntry(order, report.priority(), report.status(), false, false, report.seq(), false);
  }

  TaskEntry apply(TaskReport report) {
    // A grant waits for the task to start; a report that puts the task back into the queue, pauses
    // it or ends it takes the grant back.
    boolean stillGranted =
        granted && !report.holdsSlot() && !report.kind().isFinal() && !requeues(report);
    return new TaskEntry(
        order,
        priority,
        report.status(),
        stillGranted,
        report.holdsSlot(),
        report.seq(),
        report.kind().isFinal());
  }

  private static boolean requeues(TaskReport report) {
    return switch (report.kind()) {
      case REQUEUED, RESUMED, PAUSED -> true;
      default -> false;
    };
  }

  TaskEntry grant() {
    return new TaskEntry(order, priority, status, true, holdsSlot, lastReportSeq, finished);
  }
}
