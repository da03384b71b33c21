package io.taskforce.internal.task;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskError;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/** What every created task carries, whatever its status. */
public record TaskCore(
    TaskData data, int attempt, Instant startedAt, Progress progress, Outbox outbox)
    implements JsonSerializable {

  static TaskCore created(TaskData data) {
    return new TaskCore(data, 0, null, null, Outbox.EMPTY);
  }

  TaskCore withAttempt(int newAttempt, Instant at) {
    return new TaskCore(data, newAttempt, startedAt == null ? at : startedAt, progress, outbox);
  }

  TaskCore withProgress(Progress newProgress) {
    return new TaskCore(data, attempt, startedAt, newProgress, outbox);
  }

  TaskCore withOutbox(Outbox newOutbox) {
    return new TaskCore(data, attempt, startedAt, progress, newOutbox);
  }

  /** This core with one more report in the outbox. */
  TaskCore report(ReportKind kind, TaskStatus status, boolean holdsSlot, Instant at) {
    return report(kind, status, holdsSlot, at, null, null, null);
  }

  TaskCore report(
      ReportKind kind,
      TaskStatus status,
      boolean holdsSlot,
      Instant at,
      String question,
      JsonNode result,
      TaskError error) {
    var spec = data.spec();
    var report =
        new TaskReport(
            outbox.lastSeq() + 1,
            kind,
            status,
            holdsSlot,
            at,
            spec.title(),
            spec.priority(),
            spec.notifySession(),
            attempt,
            progress,
            question,
            result,
            error,
            kind.isFinal() ? spec.context() : null);
    return withOutbox(outbox.add(report));
  }
}
