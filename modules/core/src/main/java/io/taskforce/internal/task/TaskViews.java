package io.taskforce.internal.task;

import io.taskforce.api.Progress;
import io.taskforce.api.TaskView;
import io.taskforce.internal.task.TaskState.*;

/** The API's view of a task state. */
public final class TaskViews {
  private TaskViews() {}

  /** {@code liveProgress}, when not null, is newer than what the state holds. */
  public static TaskView of(CreatedTask state, Progress liveProgress) {
    TaskCore core = state.core();
    TaskData data = core.data();
    var spec = data.spec();
    String question = null;
    if (state instanceof InputRequiredTask waiting) question = waiting.question();
    Progress progress = liveProgress != null ? liveProgress : core.progress();
    var result = state instanceof CompletedTask done ? done.result() : null;
    var error = state instanceof FailedTask failed ? failed.error() : null;
    var finishedAt = state instanceof FinishedTask finished ? finished.finishedAt() : null;
    return new TaskView(
        data.taskId(),
        data.sessionId(),
        spec.title(),
        spec.executor(),
        state.status(),
        question,
        progress,
        core.attempt(),
        spec.maxAttempts(),
        spec.priority(),
        spec.labels(),
        spec.context(),
        data.createdAt(),
        core.startedAt(),
        finishedAt,
        result,
        error);
  }
}
