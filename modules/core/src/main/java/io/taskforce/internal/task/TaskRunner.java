package io.taskforce.internal.task;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.taskforce.api.ErrorType;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskError;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.spi.TaskFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Drives one attempt of an executor for its task entity (its parent), on the node that hosts the
 * entity. It relays progress, questions and the outcome to the entity, and passes pause, resume,
 * cancel and answers on to the executor. It is not persisted: if it dies with its node, the
 * recovered entity sees an attempt without an ending.
 */
public final class TaskRunner extends AbstractBehavior<TaskRunner.Command> {

  /** What the entity tells its attempt; these also travel to a runner on another node. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "command")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Pause.class, name = "pause"),
    @JsonSubTypes.Type(value = Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = Cancel.class, name = "cancel"),
    @JsonSubTypes.Type(value = Answer.class, name = "answer"),
    @JsonSubTypes.Type(value = HandBack.class, name = "hand-back")
  })
  public sealed interface Command {}

  public record Pause() implements Command, JsonSerializable {}

  public record Resume() implements Command, JsonSerializable {}

  /** Stop the attempt: cancelled, timed out, or abandoned by a node that shuts down. */
  public record Cancel() implements Command, JsonSerializable {}

  public record Answer(String text) implements Command, JsonSerializable {}

  /** Stop the attempt because the node running it drains: it ends {@link AttemptOutcome.Interrupted}. */
  public record HandBack() implements Command, JsonSerializable {}

  record ExecutorProgress(Integer percent, String message) implements Command {}

  record ExecutorAsked(String question, CompletableFuture<String> answer) implements Command {}

  private record ExecutorFinished(JsonNode result, Throwable failure) implements Command {}

  private record FlushProgress() implements Command {}

  public static Behavior<Command> create(
      TaskData data,
      int attempt,
      TaskExecutor executor,
      OutputBuffer output,
      int finalOutputBytes,
      Executor blockingExecutor,
      ActorRef<TaskCommand> entity,
      Clock clock) {
    return create(data, attempt, executor, output, finalOutputBytes, blockingExecutor, entity, clock, false);
  }

  /**
   * With {@code forAnotherNode}, the runner runs on a node that does not host its task: it is not
   * the entity's child, so it reports an ending even when it is stopped (its node drains or shuts
   * down: {@link AttemptOutcome.Interrupted}) instead of leaving that to the entity's watch.
   */
  public static Behavior<Command> create(
      TaskData data,
      int attempt,
      TaskExecutor executor,
      OutputBuffer output,
      int finalOutputBytes,
      Executor blockingExecutor,
      ActorRef<TaskCommand> entity,
      Clock clock,
      boolean forAnotherNode) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new TaskRunner(ctx, timers, data, attempt, executor, output, finalOutputBytes, blockingExecutor, entity, clock,
            forAnotherNode)));
  }

  /** Progress reaches the entity at most this often; an executor may report far more often. */
  static final Duration PROGRESS_INTERVAL = Duration.ofMillis(100);

  private final TimerScheduler<Command> timers;
  private final int attempt;
  private final OutputBuffer output;
  private Progress unsentProgress;
  private Instant lastProgressSent = Instant.EPOCH;
  private final int finalOutputBytes;
  private final ActorRef<TaskCommand> entity;
  private final Clock clock;
  private final RunnerContext context;
  private CompletableFuture<String> pendingAnswer;
  private String pendingQuestion;
  private ExecutorAsked deferredQuestion;
  private boolean paused;
  private boolean stopping;
  private boolean handingBack;
  private boolean ended;
  private final boolean forAnotherNode;

  private TaskRunner(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      TaskData data,
      int attempt,
      TaskExecutor executor,
      OutputBuffer output,
      int finalOutputBytes,
      Executor blockingExecutor,
      ActorRef<TaskCommand> entity,
      Clock clock,
      boolean forAnotherNode) {
    super(ctx);
    this.forAnotherNode = forAnotherNode;
    this.timers = timers;
    this.attempt = attempt;
    this.output = output;
    this.finalOutputBytes = finalOutputBytes;
    this.entity = entity;
    this.clock = clock;
    this.context = new RunnerContext(data, attempt, output, blockingExecutor, ctx.getSelf());
    CompletionStage<JsonNode> outcome;
    try {
      outcome = executor.start(context);
      if (outcome == null) throw new IllegalStateException("the executor returned no outcome");
    } catch (Throwable t) {
      outcome = CompletableFuture.failedFuture(t);
    }
    ctx.pipeToSelf(outcome, ExecutorFinished::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Pause.class, p -> {
          paused = true;
          context.pause();
          return this;
        })
        .onMessage(Resume.class, r -> {
          paused = false;
          context.resume();
          if (deferredQuestion != null) {
            var question = deferredQuestion;
            deferredQuestion = null;
            onAsked(question);
          } else if (pendingAnswer != null && !pendingAnswer.isDone() && pendingQuestion != null) {
            // Asked just before the pause reached the entity, which then dropped the question:
            // ask again (an entity that did take it, and resumes to input_required, ignores this).
            entity.tell(new TaskCommand.RunnerAsked(attempt, pendingQuestion));
          }
          return this;
        })
        .onMessage(Cancel.class, c -> {
          stopping = true;
          context.cancel();
          return this;
        })
        .onMessage(HandBack.class, h -> {
          stopping = true;
          handingBack = true;
          context.cancel();
          return this;
        })
        .onMessage(Answer.class, a -> {
          if (pendingAnswer != null) pendingAnswer.complete(a.text());
          pendingAnswer = null;
          return this;
        })
        .onMessage(ExecutorProgress.class, p -> {
          if (!stopping) {
            unsentProgress = new Progress(p.percent(), p.message(), clock.instant());
            if (Duration.between(lastProgressSent, clock.instant()).compareTo(PROGRESS_INTERVAL) >= 0) {
              flushProgress();
            } else if (!timers.isTimerActive("progress")) {
              timers.startSingleTimer("progress", new FlushProgress(), PROGRESS_INTERVAL);
            }
          }
          return this;
        })
        .onMessage(FlushProgress.class, f -> {
          if (!stopping) flushProgress();
          return this;
        })
        .onMessage(ExecutorAsked.class, this::onAsked)
        .onMessage(ExecutorFinished.class, this::onFinished)
        .onSignal(PostStop.class, s -> {
          // Stopped with its entity (a node going down, or the task ended): the work must not go on.
          context.cancel();
          if (forAnotherNode && !ended) {
            // Its node stops under it: the task's node re-runs the attempt without counting it.
            entity.tell(new TaskCommand.RunnerEnded(attempt, new AttemptOutcome.Interrupted(output.tail(finalOutputBytes))));
          }
          return this;
        })
        .build();
  }

  private Behavior<Command> onAsked(ExecutorAsked asked) {
    if (stopping) return this;
    if (pendingAnswer != null && !pendingAnswer.isDone()) {
      asked.answer().completeExceptionally(
          new IllegalStateException("the attempt asked a second question before the first was answered"));
      return this;
    }
    if (paused) {
      // Questions wait for the resume: a paused task cannot become input_required.
      deferredQuestion = asked;
      return this;
    }
    pendingAnswer = asked.answer();
    pendingQuestion = asked.question();
    entity.tell(new TaskCommand.RunnerAsked(attempt, asked.question()));
    return this;
  }

  /**
   * Coalesces: a process printing thousands of lines a second must not flood its entity (whose
   * stash, while it writes, is bounded), so the entity hears the latest progress ten times a
   * second at most.
   */
  private void flushProgress() {
    if (unsentProgress == null) return;
    entity.tell(new TaskCommand.RunnerProgress(attempt, unsentProgress));
    unsentProgress = null;
    lastProgressSent = clock.instant();
  }

  private Behavior<Command> onFinished(ExecutorFinished finished) {
    if (!stopping) flushProgress(); // the final view shows the last progress
    OutputTail tail = output.tail(finalOutputBytes);
    AttemptOutcome outcome;
    Throwable failure = unwrap(finished.failure());
    if (handingBack) {
      outcome = new AttemptOutcome.Interrupted(tail);
    } else if (stopping || failure instanceof AttemptCancelledException) {
      outcome = new AttemptOutcome.Stopped(tail);
    } else if (failure instanceof TaskFailure taskFailure) {
      outcome = new AttemptOutcome.Failed(new TaskError(taskFailure.type(), taskFailure.getMessage()), tail);
    } else if (failure != null) {
      String message = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
      outcome = new AttemptOutcome.Failed(new TaskError(ErrorType.EXECUTOR, message), tail);
    } else {
      JsonNode result = finished.result() == null ? JsonNodeFactory.instance.objectNode() : finished.result();
      outcome = new AttemptOutcome.Succeeded(result, tail);
    }
    ended = true;
    entity.tell(new TaskCommand.RunnerEnded(attempt, outcome));
    return Behaviors.stopped();
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
