package io.taskforce.internal.task;

import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;

/**
 * The event handler of a task, as one pure function: the entity applies it, and so does the read
 * model's projection, so both see the same task. An event that does not fit the state is a bug
 * and fails loudly.
 */
public final class TaskTransitions {
  private TaskTransitions() {}

  public static TaskState apply(TaskState state, TaskEvent event) {
    if (event instanceof ReportsConfirmed e && state instanceof CreatedTask task) {
      return task.confirm(e);
    }
    if (state instanceof EmptyTask empty && event instanceof Created e) return empty.create(e);
    if (state instanceof UnfinishedTask task) {
      if (event instanceof ProgressRecorded e) return task.recordProgress(e);
      if (event instanceof Completed e) return task.complete(e);
      if (event instanceof Failed e) return task.fail(e);
      if (event instanceof Cancelled e) return task.cancel(e);
    }
    if (state instanceof AttemptTask task) {
      if (event instanceof AttemptFailed e) return task.failAttempt(e);
      if (event instanceof AttemptInterrupted e) return task.interrupt(e);
    }
    if (state instanceof PendingTask pending) {
      if (event instanceof Started e) return pending.start(e);
      if (event instanceof Paused e) return pending.pause(e);
    }
    if (state instanceof RunningTask running) {
      if (event instanceof InputRequested e) return running.ask(e);
      if (event instanceof Paused e) return running.pause(e);
    }
    if (state instanceof InputRequiredTask waiting) {
      if (event instanceof Answered e) return waiting.answer(e);
      if (event instanceof Paused e) return waiting.pause(e);
    }
    if (state instanceof PausedTask paused && event instanceof Resumed e) return paused.resume(e);
    throw new IllegalStateException(
        "event " + event.getClass().getSimpleName() + " does not apply to " + state.getClass().getSimpleName());
  }
}
