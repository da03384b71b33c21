package io.taskforce.internal.task;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.TaskError;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.JsonSerializable;
import java.time.Duration;
import java.time.Instant;

/**
 * A task's state; its class is its status, and each class has its own command handler. The verbs
 * on the records are the transitions: each takes the event that causes it and returns the next
 * state, with the report for the session added to the outbox.
 */
public sealed interface TaskState extends JsonSerializable {

  /** No task of this id was ever created. */
  record EmptyTask() implements TaskState {
    PendingTask create(TaskEvent.Created e) {
      var core = TaskCore.created(e.data());
      return new PendingTask(core.report(ReportKind.DISPATCHED, TaskStatus.PENDING, false, e.at()), null);
    }
  }

  /** Any task that exists: it has a core. */
  sealed interface CreatedTask extends TaskState {
    TaskCore core();

    TaskStatus status();

    CreatedTask withCore(TaskCore core);

    default CreatedTask confirm(TaskEvent.ReportsConfirmed e) {
      return withCore(core().withOutbox(core().outbox().confirm(e.upTo())));
    }
  }

  /** A task that may still change. */
  sealed interface UnfinishedTask extends CreatedTask {
    default UnfinishedTask recordProgress(TaskEvent.ProgressRecorded e) {
      return (UnfinishedTask) withCore(core().withProgress(e.progress()));
    }

    default CompletedTask complete(TaskEvent.Completed e) {
      var next =
          core().report(ReportKind.COMPLETED, TaskStatus.COMPLETED, false, e.at(), null, e.result(), null);
      return new CompletedTask(next, e.at(), e.result(), e.output());
    }

    default FailedTask fail(TaskEvent.Failed e) {
      var next = core().report(ReportKind.FAILED, TaskStatus.FAILED, false, e.at(), null, null, e.error());
      return new FailedTask(next, e.at(), e.error(), e.output());
    }

    default CancelledTask cancel(TaskEvent.Cancelled e) {
      var next = core().report(ReportKind.CANCELLED, TaskStatus.CANCELLED, false, e.at());
      return new CancelledTask(next, e.at(), e.reason(), e.output());
    }
  }

  /** A task with an attempt under way (running or waiting for an answer, maybe paused). */
  sealed interface AttemptTask extends UnfinishedTask {
    /** Running time of this attempt up to {@code now}; time paused or waiting does not count. */
    long runMillis(Instant now);

    /** The attempt failed and another follows: back to the queue, not before the retry time. */
    default UnfinishedTask failAttempt(TaskEvent.AttemptFailed e) {
      var next = core().report(ReportKind.REQUEUED, TaskStatus.PENDING, false, e.at(), null, null, e.error());
      return new PendingTask(next, e.retryAt());
    }

    /** A clean shutdown stopped the attempt: it is re-run, and does not count. */
    default UnfinishedTask interrupt(TaskEvent.AttemptInterrupted e) {
      var uncounted = core().withAttempt(core().attempt() - 1, e.at());
      return new PendingTask(uncounted.report(ReportKind.REQUEUED, TaskStatus.PENDING, false, e.at()), null);
    }
  }

  /** Accepted, waiting for a slot (or for its retry time). */
  record PendingTask(TaskCore core, Instant notBefore) implements UnfinishedTask {
    public TaskStatus status() {
      return TaskStatus.PENDING;
    }

    public PendingTask withCore(TaskCore c) {
      return new PendingTask(c, notBefore);
    }

    RunningTask start(TaskEvent.Started e) {
      var next = core.withAttempt(e.attempt(), e.at()).withProgress(null);
      return new RunningTask(next.report(ReportKind.STARTED, TaskStatus.RUNNING, true, e.at()), e.at(), 0);
    }

    PausedTask pause(TaskEvent.Paused e) {
      var next = core.report(ReportKind.PAUSED, TaskStatus.PAUSED, false, e.at());
      return new PausedTask(next, TaskStatus.PENDING, null, notBefore, 0);
    }
  }

  /** An attempt is running; {@code priorRunMillis} is its running time before {@code since}. */
  record RunningTask(TaskCore core, Instant since, long priorRunMillis) implements AttemptTask {
    public TaskStatus status() {
      return TaskStatus.RUNNING;
    }

    public RunningTask withCore(TaskCore c) {
      return new RunningTask(c, since, priorRunMillis);
    }

    public long runMillis(Instant now) {
      return priorRunMillis + Math.max(0, Duration.between(since, now).toMillis());
    }

    InputRequiredTask ask(TaskEvent.InputRequested e) {
      var next = core.report(ReportKind.INPUT_REQUIRED, TaskStatus.INPUT_REQUIRED, true, e.at(), e.question(), null, null);
      return new InputRequiredTask(next, e.question(), runMillis(e.at()));
    }

    PausedTask pause(TaskEvent.Paused e) {
      var next = core.report(ReportKind.PAUSED, TaskStatus.PAUSED, true, e.at());
      return new PausedTask(next, TaskStatus.RUNNING, null, null, runMillis(e.at()));
    }
  }

  /** The attempt asked its session a question and waits for the answer. */
  record InputRequiredTask(TaskCore core, String question, long priorRunMillis) implements AttemptTask {
    public TaskStatus status() {
      return TaskStatus.INPUT_REQUIRED;
    }

    public InputRequiredTask withCore(TaskCore c) {
      return new InputRequiredTask(c, question, priorRunMillis);
    }

    public long runMillis(Instant now) {
      return priorRunMillis;
    }

    RunningTask answer(TaskEvent.Answered e) {
      var next = core.report(ReportKind.ANSWERED, TaskStatus.RUNNING, true, e.at());
      return new RunningTask(next, e.at(), priorRunMillis);
    }

    PausedTask pause(TaskEvent.Paused e) {
      var next = core.report(ReportKind.PAUSED, TaskStatus.PAUSED, true, e.at(), question, null, null);
      return new PausedTask(next, TaskStatus.INPUT_REQUIRED, question, null, priorRunMillis);
    }
  }

  /**
   * Paused from {@code from} ({@code pending}, {@code running} or {@code input_required}); a
   * paused {@code input_required} task keeps its question.
   */
  record PausedTask(TaskCore core, TaskStatus from, String question, Instant notBefore, long priorRunMillis)
      implements AttemptTask {
    public TaskStatus status() {
      return TaskStatus.PAUSED;
    }

    public PausedTask withCore(TaskCore c) {
      return new PausedTask(c, from, question, notBefore, priorRunMillis);
    }

    public long runMillis(Instant now) {
      return priorRunMillis;
    }

    boolean hadAttempt() {
      return from != TaskStatus.PENDING;
    }

    UnfinishedTask resume(TaskEvent.Resumed e) {
      if (from == TaskStatus.PENDING || e.attemptLost()) {
        var next = core.report(ReportKind.RESUMED, TaskStatus.PENDING, false, e.at());
        return new PendingTask(next, notBefore);
      }
      if (from == TaskStatus.INPUT_REQUIRED) {
        var next = core.report(ReportKind.RESUMED, TaskStatus.INPUT_REQUIRED, true, e.at(), question, null, null);
        return new InputRequiredTask(next, question, priorRunMillis);
      }
      var next = core.report(ReportKind.RESUMED, TaskStatus.RUNNING, true, e.at());
      return new RunningTask(next, e.at(), priorRunMillis);
    }

    @Override
    public UnfinishedTask failAttempt(TaskEvent.AttemptFailed e) {
      var next = core.report(ReportKind.REQUEUED, TaskStatus.PAUSED, false, e.at(), null, null, e.error());
      return new PausedTask(next, TaskStatus.PENDING, null, e.retryAt(), 0);
    }

    @Override
    public UnfinishedTask interrupt(TaskEvent.AttemptInterrupted e) {
      var uncounted = core.withAttempt(core.attempt() - 1, e.at());
      var next = uncounted.report(ReportKind.REQUEUED, TaskStatus.PAUSED, false, e.at());
      return new PausedTask(next, TaskStatus.PENDING, null, null, 0);
    }
  }

  /** A final state: it accepts only queries. */
  sealed interface FinishedTask extends CreatedTask {
    Instant finishedAt();

    OutputTail output();
  }

  record CompletedTask(TaskCore core, Instant finishedAt, JsonNode result, OutputTail output)
      implements FinishedTask {
    public TaskStatus status() {
      return TaskStatus.COMPLETED;
    }

    public CompletedTask withCore(TaskCore c) {
      return new CompletedTask(c, finishedAt, result, output);
    }
  }

  record FailedTask(TaskCore core, Instant finishedAt, TaskError error, OutputTail output)
      implements FinishedTask {
    public TaskStatus status() {
      return TaskStatus.FAILED;
    }

    public FailedTask withCore(TaskCore c) {
      return new FailedTask(c, finishedAt, error, output);
    }
  }

  record CancelledTask(TaskCore core, Instant finishedAt, String reason, OutputTail output)
      implements FinishedTask {
    public TaskStatus status() {
      return TaskStatus.CANCELLED;
    }

    public CancelledTask withCore(TaskCore c) {
      return new CancelledTask(c, finishedAt, reason, output);
    }
  }
}
