package io.taskforce.internal.task;

import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.OutputChunk;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskError;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.Refusal;
import io.taskforce.internal.TaskforceEntity;
import io.taskforce.internal.TaskforceRuntime;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.task.TaskCommand.*;
import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.spi.TaskFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One subagent task (entity type {@code task}). Its status is its behavior: one command handler
 * per state class. It tells its session of every durable change (numbered reports, retold until
 * confirmed), runs its attempts through a {@link TaskRunner} child on a node slot, and stops once
 * it is final and its session confirmed that.
 *
 * <p>Besides its persisted state it keeps what belongs to this incarnation only: the runner, the
 * node slot, the latest live progress, the output buffer and the askers waiting for an answer.
 */
public final class TaskEntity
    extends TaskforceEntity<TaskCommand, TaskEvent, TaskState> {

  public static final EntityTypeKey<TaskCommand> TYPE_KEY =
      EntityTypeKey.create(TaskCommand.class, "task");
  public static final String TAG = "tf-task";
  /** Outbox length beyond which confirmations are written down, to keep the state small. */
  static final int MAX_UNCONFIRMED = 8;

  public static Behavior<TaskCommand> create(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      TaskforceRuntime runtime) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new TaskEntity(entityId, shard, runtime, ctx, timers)));
  }


  // ---- this incarnation only
  private ActorRef<TaskRunner.Command> runner;
  private int runnerAttempt;
  private OutputBuffer output;
  private boolean slotRequested;
  /** The slot this task holds: a lease of this node's slot keeper or of another node's. */
  private SlotLease lease;
  /** Whether the current runner is a {@link RemoteAttempt} (the attempt runs on another node). */
  private boolean runnerRemote;
  private boolean startGranted;
  private Progress liveProgress;
  private Instant lastProgressWrite = Instant.EPOCH;
  private long confirmedUpTo;
  /** Times the unconfirmed reports were retold since the session last confirmed one. */
  private int retold;
  private final List<ActorRef<TaskReply>> finishWaiters = new ArrayList<>();

  private record SlotLease(ActorRef<NodeSlots.Command> host, long id) {
    boolean is(NodeSlotGranted granted) {
      return host.equals(granted.host()) && id == granted.lease();
    }
  }

  private TaskEntity(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      TaskforceRuntime runtime,
      ActorContext<TaskCommand> ctx,
      TimerScheduler<TaskCommand> timers) {
    super(TYPE_KEY.name(), TAG, runtime.settings().taskSnapshotEvery(), entityId, shard, runtime, ctx, timers);
  }

  @Override
  public TaskState emptyState() {
    return new EmptyTask();
  }

  /** Pure and the same for every task: one for all of them. */
  private static final EventHandler<TaskState, TaskEvent> EVENT_HANDLER = TaskTransitions::apply;

  @Override
  public EventHandler<TaskState, TaskEvent> eventHandler() {
    return EVENT_HANDLER;
  }

  @Override
  public SignalHandler<TaskState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .build();
  }

  // ------------------------------------------------------------------------------------------
  // Command handlers, one per state class, tried from the most particular state to the most
  // general: each returns null for a command it leaves to the next. Written out rather than with
  // Pekko's handler builder, which each entity builds for itself: some 3.7 KiB of builder objects
  // per task entity, held as long as it lives (docs/benchmarks.md, "Scale").

  @Override
  public CommandHandlerWithReply<TaskCommand, TaskEvent, TaskState> commandHandler() {
    return this::handle;
  }

  private ReplyEffect<TaskEvent, TaskState> handle(TaskState state, TaskCommand command) {
    if (state instanceof EmptyTask empty) return whenEmpty(empty, command);
    ReplyEffect<TaskEvent, TaskState> effect = null;
    if (state instanceof PendingTask pending) effect = whenPending(pending, command);
    else if (state instanceof RunningTask running) effect = whenRunning(running, command);
    else if (state instanceof InputRequiredTask asking) effect = whenInputRequired(asking, command);
    else if (state instanceof PausedTask paused) effect = whenPaused(paused, command);
    if (effect == null && state instanceof AttemptTask attempt) effect = whenInAttempt(attempt, command);
    if (effect == null && state instanceof UnfinishedTask unfinished) effect = whenUnfinished(unfinished, command);
    if (effect == null && state instanceof FinishedTask finished) effect = whenFinished(finished, command);
    return effect != null ? effect : whenCreated((CreatedTask) state, command);
  }

  private ReplyEffect<TaskEvent, TaskState> whenEmpty(EmptyTask empty, TaskCommand command) {
    if (command instanceof Create create) return create(empty, create);
    if (command instanceof Request request) return unknownTask(request);
    if (command instanceof HandOff) return Effect().stop().thenNoReply();
    return stopUnknown();
  }

  private ReplyEffect<TaskEvent, TaskState> whenPending(PendingTask task, TaskCommand command) {
    if (command instanceof Pause pause) return pausePending(task, pause);
    if (command instanceof StartAttempt start) return startGranted(task, start);
    if (command instanceof RetryDue) return requestSlotIfDue(task);
    if (command instanceof NodeSlotGranted granted) return startAttempt(task, granted);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenRunning(RunningTask task, TaskCommand command) {
    if (command instanceof Pause pause) return pauseAttempt(task, pause);
    if (command instanceof RunnerAsked asked) return askSession(task, asked);
    if (command instanceof AttemptTimedOut timedOut) return timeOut(task, timedOut);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenInputRequired(InputRequiredTask task, TaskCommand command) {
    if (command instanceof Answer answer) return answer(task, answer);
    if (command instanceof Pause pause) return pauseAttempt(task, pause);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenPaused(PausedTask task, TaskCommand command) {
    if (command instanceof Resume resume) return resume(task, resume);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenInAttempt(AttemptTask task, TaskCommand command) {
    if (command instanceof RunnerProgress progress) return progress(task, progress);
    if (command instanceof PersistProgress persist) return writeProgress(task, persist);
    if (command instanceof RunnerEnded ended) return attemptEnded(task, ended);
    if (command instanceof RunnerStopped stopped) return runnerStopped(task, stopped);
    if (command instanceof RecoverAttempt recover) return recoverAttempt(task, recover);
    if (command instanceof HandOff handOff) return handOffAttempt(task, handOff);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenUnfinished(UnfinishedTask task, TaskCommand command) {
    if (command instanceof Cancel cancel) return cancel(task, cancel.reason(), cancel.replyTo());
    if (command instanceof CancelForSession cancel) return cancel(task, cancel.reason(), null);
    return null;
  }

  private ReplyEffect<TaskEvent, TaskState> whenFinished(FinishedTask task, TaskCommand command) {
    if (command instanceof ConfirmReports confirm) return confirmFinal(task, confirm);
    if (command instanceof IdleTimeout) return passivate();
    return null;
  }

  /** What every created task answers the same way, whatever its state. */
  private ReplyEffect<TaskEvent, TaskState> whenCreated(CreatedTask task, TaskCommand command) {
    if (command instanceof Create create) return createAgain(task, create);
    if (command instanceof Get get) return Effect().reply(get.replyTo(), view(task));
    if (command instanceof AwaitFinished await) return awaitFinished(task, await);
    if (command instanceof GetOutput get) return readOutput(task, get);
    if (command instanceof Pause c) return refuse(c, "cannot pause: task is " + task.status().wire());
    if (command instanceof Resume c) return refuse(c, "cannot resume: task is " + task.status().wire());
    if (command instanceof Cancel c) return refuse(c, "cannot cancel: task is " + task.status().wire());
    if (command instanceof Answer c) {
      return refuse(c, "cannot answer: task is " + task.status().wire() + ", not input_required");
    }
    if (command instanceof ConfirmReports confirm) return confirm(task, confirm);
    if (command instanceof Wake wake) return wake(task, wake);
    if (command instanceof RetellReports) {
      retold++;
      tellSession(task);
      return Effect().noReply();
    }
    if (command instanceof NodeSlotGranted granted) return otherGrant(task, granted);
    if (command instanceof RunnerEnded ended) return runnerGone(task, ended.attempt());
    if (command instanceof RunnerStopped stopped) return runnerGone(task, stopped.attempt());
    if (command instanceof HandOff) {
      if (!(task instanceof FinishedTask)) wakeAtNewHome();
      return Effect().stop().thenNoReply();
    }
    return Effect().noReply();
  }

  /**
   * Before stopping for a rebalance, an unfinished task wakes itself where its shard goes: tasks are
   * not remembered entities. Every shard region buffers a message for a shard in hand-off until the
   * shard's new home is known, and the new home starts the task only once this one has stopped.
   * Not when this node stops (a drain, SIGTERM): the last node would have no new home to give, and
   * its region would hold its shutdown until it timed out with the message still buffered; the
   * sessions on the other nodes wake these tasks when this node leaves (WakeOnNodeRemoval).
   */
  private void wakeAtNewHome() {
    if (CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason().isPresent()) return;
    runtime.entities().task(entityId).tell(new ConfirmReports(0));
  }

  // ---- creation

  private ReplyEffect<TaskEvent, TaskState> create(EmptyTask empty, Create create) {
    if (!create.data().taskId().equals(EntityIds.localId(entityId))
        || !create.data().tenant().equals(EntityIds.tenant(entityId))) {
      return Effect().reply(create.replyTo(), new TaskReply.Refused(Refusal.CONFLICT, "task id mismatch"));
    }
    // Answered once Created is written: the read model lists it as pending from now on, so even if
    // this node dies before its session hears of it, the pending-task sweep wakes it and it
    // registers by itself.
    long writeStarted = System.nanoTime();
    return Effect()
        .persist(new Created(create.data(), now()))
        .thenRun(state -> {
          runtime.metrics().journalWritten(Duration.ofNanos(System.nanoTime() - writeStarted));
          afterChange(state);
        })
        .thenReply(create.replyTo(), state -> new TaskReply.View(taskView((CreatedTask) state), false));
  }

  /** A repeated dispatch: the same spec and session get the same task; anything else is refused. */
  private ReplyEffect<TaskEvent, TaskState> createAgain(CreatedTask task, Create create) {
    TaskData existing = task.core().data();
    if (!existing.spec().equals(create.data().spec())
        || !existing.sessionId().equals(create.data().sessionId())) {
      return Effect()
          .reply(
              create.replyTo(),
              new TaskReply.Refused(
                  Refusal.CONFLICT,
                  "task " + existing.taskId() + " exists with another spec or session"));
    }
    return Effect().reply(create.replyTo(), new TaskReply.View(taskView(task), true));
  }

  private ReplyEffect<TaskEvent, TaskState> unknownTask(Request request) {
    passivate();
    return Effect()
        .reply(
            request.replyTo(),
            new TaskReply.Refused(Refusal.NOT_FOUND, "no task " + EntityIds.localId(entityId)));
  }

  private ReplyEffect<TaskEvent, TaskState> stopUnknown() {
    passivate();
    return Effect().noReply();
  }

  // ---- starting an attempt

  private ReplyEffect<TaskEvent, TaskState> startGranted(PendingTask task, StartAttempt start) {
    startGranted = true;
    return requestSlotIfDue(task);
  }

  private ReplyEffect<TaskEvent, TaskState> requestSlotIfDue(PendingTask task) {
    if (!startGranted || slotRequested || lease != null) return Effect().noReply();
    Instant notBefore = task.notBefore();
    Instant now = now();
    if (notBefore != null && notBefore.isAfter(now)) {
      timers.startSingleTimer("retry", new RetryDue(), Duration.between(now, notBefore));
      return Effect().noReply();
    }
    slotRequested = true;
    TaskData data = task.core().data();
    runtime
        .nodeSlots()
        .tell(new NodeSlots.Acquire(ctx.getSelf(), data.spec().priority(), data.createdAt().toEpochMilli()));
    return Effect().noReply();
  }

  private ReplyEffect<TaskEvent, TaskState> startAttempt(PendingTask task, NodeSlotGranted granted) {
    if (lease != null) return otherGrant(task, granted);
    slotRequested = false;
    lease = new SlotLease(granted.host(), granted.lease());
    if (!startGranted || runner != null) {
      // Not to start (paused meanwhile), or the previous attempt is still stopping (it asks again).
      releaseSlot();
      return Effect().noReply();
    }
    int attempt = task.core().attempt() + 1;
    return Effect()
        .persist(new Started(attempt, now()))
        .thenRun(state -> {
          runtime.metrics().attemptStarted(Duration.between(task.core().data().createdAt(), now()));
          startRunner(state, attempt);
          afterChange(state);
        })
        .thenNoReply();
  }

  /** A grant this task does not use (a repeat, or one that crossed a release) goes back at once. */
  private ReplyEffect<TaskEvent, TaskState> otherGrant(CreatedTask task, NodeSlotGranted granted) {
    if (lease == null || !lease.is(granted)) {
      granted.host().tell(new NodeSlots.Release(ctx.getSelf(), granted.lease()));
    }
    return Effect().noReply();
  }

  private void startRunner(TaskState state, int attempt) {
    if (!(state instanceof RunningTask running)) return;
    TaskData data = running.core().data();
    TaskExecutor executor =
        runtime
            .executors()
            .find(data.spec().executor())
            .orElse(context -> CompletableFuture.failedFuture(
                new TaskFailure(ErrorType.EXECUTOR, "no executor named '" + data.spec().executor()
                    + "' on this node")));
    liveProgress = null;
    runnerAttempt = attempt;
    runnerRemote = !lease.host().equals(runtime.nodeSlots());
    if (runnerRemote) {
      // Work pulling: the slot is another node's; the attempt runs there, reached through a child.
      runner = ctx.spawnAnonymous(RemoteAttempt.create(lease.host(), lease.id(), data, attempt, ctx.getSelf()))
          .narrow();
    } else {
      if (output == null) output = new OutputBuffer(runtime.settings().outputTailBytes());
      runner =
          ctx.spawnAnonymous(
              TaskRunner.create(
                  data,
                  attempt,
                  executor,
                  output,
                  runtime.settings().finalOutputBytes(),
                  runtime.blockingExecutor(),
                  ctx.getSelf(),
                  runtime.clock()));
    }
    ctx.watchWith(runner, new RunnerStopped(attempt));
  }

  // ---- pause, resume, questions

  private ReplyEffect<TaskEvent, TaskState> pausePending(PendingTask task, Pause pause) {
    return Effect()
        .persist(new Paused(now()))
        .thenRun(state -> {
          startGranted = false;
          releaseSlot();
          afterChange(state);
        })
        .thenReply(pause.replyTo(), this::view);
  }

  private ReplyEffect<TaskEvent, TaskState> pauseAttempt(AttemptTask task, Pause pause) {
    return Effect()
        .persist(new Paused(now()))
        .thenRun(state -> {
          tellRunner(new TaskRunner.Pause());
          afterChange(state);
        })
        .thenReply(pause.replyTo(), this::view);
  }

  private ReplyEffect<TaskEvent, TaskState> resume(PausedTask task, Resume resume) {
    if (!task.hadAttempt() || runner != null) {
      return Effect()
          .persist(new Resumed(false, now()))
          .thenRun(state -> {
            tellRunner(new TaskRunner.Resume());
            afterChange(state);
          })
          .thenReply(resume.replyTo(), this::view);
    }
    // The attempt was lost while the task was paused (its node went down): it counts.
    TaskError lost = new TaskError(ErrorType.NODE_LOST,
        "attempt " + task.core().attempt() + " was lost while the task was paused");
    TaskEvent next = retryAllowed(task, lost)
        ? new Resumed(true, now())
        : new Failed(lost, OutputTail.EMPTY, now());
    return Effect().persist(next).thenRun(this::afterChange).thenReply(resume.replyTo(), this::view);
  }

  private ReplyEffect<TaskEvent, TaskState> askSession(RunningTask task, RunnerAsked asked) {
    if (asked.attempt() != runnerAttempt || runner == null) return Effect().noReply();
    return Effect().persist(new InputRequested(asked.question(), now())).thenRun(this::afterChange).thenNoReply();
  }

  private ReplyEffect<TaskEvent, TaskState> answer(InputRequiredTask task, Answer answer) {
    if (runner == null) {
      return refuse(answer, "cannot answer: the attempt that asked is gone; the task will be retried or failed");
    }
    return Effect()
        .persist(new Answered(now()))
        .thenRun(state -> {
          tellRunner(new TaskRunner.Answer(answer.text()));
          afterChange(state);
        })
        .thenReply(answer.replyTo(), this::view);
  }

  // ---- progress

  private ReplyEffect<TaskEvent, TaskState> progress(AttemptTask task, RunnerProgress progress) {
    if (progress.attempt() != runnerAttempt) return Effect().noReply();
    liveProgress = progress.progress();
    TaskData data = task.core().data();
    runtime
        .feedTopics()
        .tell(new FeedTopics.Publish(
            EntityIds.of(data.tenant(), data.sessionId()),
            new FeedEvent(null, FeedEventType.PROGRESS, data.taskId(), task.status(), liveProgress.updatedAt(),
                liveProgress, null, null, null, data.spec().title(), null, task.core().attempt())));
    Duration interval = runtime.settings().progressWriteInterval();
    Duration sinceWrite = Duration.between(lastProgressWrite, now());
    if (sinceWrite.compareTo(interval) >= 0) return writeProgress(task, new PersistProgress());
    if (!timers.isTimerActive("progress")) {
      timers.startSingleTimer("progress", new PersistProgress(), interval.minus(sinceWrite));
    }
    return Effect().noReply();
  }

  private ReplyEffect<TaskEvent, TaskState> writeProgress(AttemptTask task, PersistProgress write) {
    if (liveProgress == null || liveProgress.equals(task.core().progress())) return Effect().noReply();
    lastProgressWrite = now();
    return Effect().persist(new ProgressRecorded(liveProgress, now())).thenNoReply();
  }

  // ---- the end of an attempt

  private ReplyEffect<TaskEvent, TaskState> attemptEnded(AttemptTask task, RunnerEnded ended) {
    if (ended.attempt() != runnerAttempt || runner == null) return runnerGone(task, ended.attempt());
    ctx.unwatch(runner);
    runner = null;
    AttemptOutcome outcome = ended.outcome();
    if (outcome instanceof AttemptOutcome.Interrupted) {
      // The node running it drains: run it again elsewhere, not counted as an attempt. The session
      // hears of it (a requeue frees its slot) and grants the start again within its limits.
      return Effect()
          .persist(new AttemptInterrupted(now()))
          .thenRun(state -> {
            releaseSlot();
            afterChange(state);
          })
          .thenNoReply();
    }
    if (outcome instanceof AttemptOutcome.Succeeded success) {
      return Effect()
          .persist(withLatestProgress(task, new Completed(success.result(), success.output(), now())))
          .thenRun(this::afterChange)
          .thenNoReply();
    }
    if (outcome instanceof AttemptOutcome.Failed failure) {
      return failAttempt(task, failure.error(), failure.output());
    }
    // Stopped without being told to (we only tell it while leaving the attempt state).
    return failAttempt(task, new TaskError(ErrorType.EXECUTOR, "the attempt stopped without a result"),
        outcome.output());
  }

  private ReplyEffect<TaskEvent, TaskState> runnerStopped(AttemptTask task, RunnerStopped stopped) {
    if (stopped.attempt() != runnerAttempt || runner == null) return runnerGone(task, stopped.attempt());
    runner = null;
    return failAttempt(task, new TaskError(ErrorType.EXECUTOR, "the runner of attempt " + stopped.attempt()
        + " crashed"), output == null ? OutputTail.EMPTY : output.tail(runtime.settings().finalOutputBytes()));
  }

  private ReplyEffect<TaskEvent, TaskState> runnerGone(CreatedTask task, int attempt) {
    if (attempt == runnerAttempt) {
      if (runner != null) ctx.unwatch(runner);
      runner = null;
    }
    if (runner != null) return Effect().noReply();
    releaseSlot();
    // A retry granted while the old attempt was still stopping asks for its slot now.
    return task instanceof PendingTask pending ? requestSlotIfDue(pending) : Effect().noReply();
  }

  private ReplyEffect<TaskEvent, TaskState> timeOut(RunningTask task, AttemptTimedOut timedOut) {
    if (timedOut.attempt() != runnerAttempt) return Effect().noReply();
    stopRunner();
    long seconds = task.core().data().spec().timeoutSeconds();
    return failAttempt(task, new TaskError(ErrorType.TIMEOUT, "attempt " + task.core().attempt()
        + " ran longer than " + seconds + " s"), outputTail());
  }

  /** A lost attempt (found at recovery: no runner, no outcome). */
  private ReplyEffect<TaskEvent, TaskState> recoverAttempt(AttemptTask task, RecoverAttempt recover) {
    if (runner != null || task instanceof PausedTask) return Effect().noReply();
    return failAttempt(task, new TaskError(ErrorType.NODE_LOST, "the node running attempt "
        + task.core().attempt() + " was lost"), OutputTail.EMPTY);
  }

  private ReplyEffect<TaskEvent, TaskState> failAttempt(AttemptTask task, TaskError error, OutputTail tail) {
    if (retryAllowed(task, error)) {
      Instant now = now();
      Instant retryAt = now.plus(runtime.settings().retryBackoff(task.core().attempt()));
      return Effect()
          .persist(new AttemptFailed(error, retryAt, now))
          .thenRun(state -> {
            releaseSlotIfNoRunner();
            afterChange(state);
          })
          .thenNoReply();
    }
    return Effect()
        .persist(withLatestProgress(task, new Failed(error, tail, now())))
        .thenRun(this::afterChange)
        .thenNoReply();
  }

  /**
   * The final event, after the latest live progress if it was not written yet: the final view shows
   * where the work got to, not a progress up to a second older.
   */
  private List<TaskEvent> withLatestProgress(UnfinishedTask task, TaskEvent finalEvent) {
    if (liveProgress == null || liveProgress.equals(task.core().progress())) return List.of(finalEvent);
    return List.of(new ProgressRecorded(liveProgress, finalEvent.at()), finalEvent);
  }

  private static boolean retryAllowed(CreatedTask task, TaskError error) {
    var spec = task.core().data().spec();
    return spec.retryOn().contains(error.type()) && task.core().attempt() < spec.maxAttempts();
  }

  private ReplyEffect<TaskEvent, TaskState> cancel(UnfinishedTask task, String reason, ActorRef<TaskReply> replyTo) {
    stopRunner();
    var effect = Effect()
        .persist(withLatestProgress(task, new Cancelled(reason == null ? "cancelled" : reason, outputTail(), now())))
        .thenRun(this::afterChange);
    return replyTo == null ? effect.thenNoReply() : effect.thenReply(replyTo, this::view);
  }

  /** This node hands the entity off (shutdown): stop the attempt; it re-runs without counting. */
  private ReplyEffect<TaskEvent, TaskState> handOffAttempt(AttemptTask task, HandOff handOff) {
    wakeAtNewHome();
    if (runner == null && !(task instanceof RunningTask) && !(task instanceof InputRequiredTask)) {
      return Effect().stop().thenNoReply();
    }
    stopRunner();
    return Effect().persist(new AttemptInterrupted(now())).thenStop().thenNoReply();
  }

  // ---- reports and their confirmations

  private ReplyEffect<TaskEvent, TaskState> confirm(CreatedTask task, ConfirmReports confirm) {
    if (confirm.upTo() > confirmedUpTo) retold = 0;
    confirmedUpTo = Math.max(confirmedUpTo, confirm.upTo());
    if (task.core().outbox().after(confirmedUpTo).isEmpty()) timers.cancel("retell");
    if (task.core().outbox().unconfirmed().size() > MAX_UNCONFIRMED) {
      return Effect().persist(new ReportsConfirmed(confirmedUpTo, now())).thenNoReply();
    }
    return Effect().noReply();
  }

  /**
   * Its session wakes it: a confirmation, answered with the reports it has not confirmed, none if
   * there are none (its node's waker wakes tasks a window at a time, moved on by the answers). A
   * final task whose final report the session applied answers by letting the session go instead.
   */
  private ReplyEffect<TaskEvent, TaskState> wake(CreatedTask task, Wake wake) {
    var confirmation = new ConfirmReports(wake.upTo());
    if (task instanceof FinishedTask finished) {
      if (wake.upTo() >= finished.core().outbox().lastSeq()) return confirmFinal(finished, confirmation);
      var effect = confirmFinal(finished, confirmation);
      tellSession(task, true);
      return effect;
    }
    var effect = confirm(task, confirmation);
    tellSession(task, true);
    return effect;
  }

  /** A final task whose final report is confirmed writes that down, lets its session go, and stops. */
  private ReplyEffect<TaskEvent, TaskState> confirmFinal(FinishedTask task, ConfirmReports confirm) {
    long finalSeq = task.core().outbox().lastSeq();
    if (confirm.upTo() < finalSeq) return confirm(task, confirm);
    confirmedUpTo = Math.max(confirmedUpTo, confirm.upTo());
    if (task.core().outbox().finalConfirmed()) {
      forgetAndStop(task);
      return Effect().noReply();
    }
    return Effect()
        .persist(new ReportsConfirmed(finalSeq, now()))
        .thenRun(state -> forgetAndStop((FinishedTask) state))
        .thenNoReply();
  }

  private void forgetAndStop(FinishedTask task) {
    timers.cancel("retell");
    TaskData data = task.core().data();
    sessionRef(data).tell(new SessionCommand.ForgetTask(data.taskId()));
    passivate();
  }

  private void tellSession(CreatedTask task) {
    tellSession(task, false);
  }

  /** With {@code evenIfNothingNew}, a task with nothing to report tells its session so (it is up). */
  private void tellSession(CreatedTask task, boolean evenIfNothingNew) {
    List<TaskReport> reports = task.core().outbox().after(confirmedUpTo);
    if (reports.isEmpty()) {
      if (evenIfNothingNew) sessionRef(task.core().data()).tell(new SessionCommand.ApplyReports(task.core().data().taskId(), reports));
      return;
    }
    sessionRef(task.core().data()).tell(new SessionCommand.ApplyReports(task.core().data().taskId(), reports));
    if (!timers.isTimerActive("retell")) {
      timers.startSingleTimer("retell", new RetellReports(), runtime.settings().taskRetellDelay(retold));
    }
  }

  private org.apache.pekko.actor.typed.RecipientRef<SessionCommand> sessionRef(TaskData data) {
    return runtime.entities().session(EntityIds.of(data.tenant(), data.sessionId()));
  }

  // ---- queries

  private ReplyEffect<TaskEvent, TaskState> awaitFinished(CreatedTask task, AwaitFinished await) {
    if (task instanceof FinishedTask) return Effect().reply(await.replyTo(), view(task));
    finishWaiters.add(await.replyTo());
    return Effect().noReply();
  }

  private ReplyEffect<TaskEvent, TaskState> readOutput(CreatedTask task, GetOutput get) {
    OutputChunk chunk;
    if (runner != null && runnerRemote && task instanceof UnfinishedTask) {
      lease.host().tell(new NodeSlots.ReadOutput(lease.id(), get.offset(), get.maxBytes(), get.replyTo()));
      return Effect().noReply();
    } else if (output != null) {
      chunk = output.read(get.offset(), get.maxBytes());
    } else if (task instanceof FinishedTask finished) {
      chunk = finished.output().read(get.offset(), get.maxBytes());
    } else {
      chunk = OutputTail.EMPTY.read(get.offset(), get.maxBytes());
    }
    return Effect().reply(get.replyTo(), new TaskReply.Output(chunk));
  }

  private ReplyEffect<TaskEvent, TaskState> refuse(Request request, String message) {
    return Effect().reply(request.replyTo(), new TaskReply.Refused(Refusal.CONFLICT, message));
  }

  private io.taskforce.api.TaskView taskView(CreatedTask task) {
    return TaskViews.of(task, task instanceof UnfinishedTask ? liveProgress : null);
  }

  private TaskReply view(TaskState state) {
    if (!(state instanceof CreatedTask task)) {
      return new TaskReply.Refused(Refusal.NOT_FOUND, "no task " + EntityIds.localId(entityId));
    }
    Progress live = task instanceof UnfinishedTask ? liveProgress : null;
    return new TaskReply.View(TaskViews.of(task, live), false);
  }

  // ---- after every persisted change, and after recovery

  private void afterChange(TaskState state) {
    if (!(state instanceof CreatedTask task)) return;
    tellSession(task);
    if (!(state instanceof PendingTask)) startGranted = false;
    if (state instanceof RunningTask running) {
      armTimeout(running);
    } else {
      timers.cancel("timeout");
    }
    if (state instanceof FinishedTask) {
      timers.cancel("progress");
      timers.cancel("retry");
      liveProgress = null;
      // From now on the output is the tail kept in the final event, whether or not this
      // incarnation still holds the attempt's larger buffer: the same answer before and after a stop.
      output = null;
      stopRunner();
      releaseSlotIfNoRunner();
      var reply = view(task);
      finishWaiters.forEach(waiter -> waiter.tell(reply));
      finishWaiters.clear();
    }
  }

  private void armTimeout(RunningTask running) {
    Long timeoutSeconds = running.core().data().spec().timeoutSeconds();
    if (timeoutSeconds == null) return;
    long remaining = timeoutSeconds * 1000 - running.runMillis(now());
    timers.startSingleTimer("timeout", new AttemptTimedOut(running.core().attempt()),
        Duration.ofMillis(Math.max(0, remaining)));
  }

  private void onRecovered(TaskState state) {
    // After a restart by the persistence supervisor (a failed write) the children are gone: the
    // attempt, if any, is lost like after a crash, and slots are asked for again when needed.
    if (runner != null) ctx.unwatch(runner);
    runner = null;
    runnerAttempt = 0;
    startGranted = false;
    releaseSlot();
    if (state instanceof CreatedTask task) tellSession(task);
    if (state instanceof RunningTask || state instanceof InputRequiredTask) {
      ctx.getSelf().tell(new RecoverAttempt());
    }
    if (state instanceof FinishedTask && ((FinishedTask) state).core().outbox().finalConfirmed()) {
      timers.startSingleTimer("idle", new IdleTimeout(), runtime.settings().sessionIdleTimeout());
    }
  }

  private void stopRunner() {
    tellRunner(new TaskRunner.Cancel());
  }

  private void tellRunner(TaskRunner.Command command) {
    if (runner != null) runner.tell(command);
  }

  private OutputTail outputTail() {
    return output == null ? OutputTail.EMPTY : output.tail(runtime.settings().finalOutputBytes());
  }

  private void releaseSlotIfNoRunner() {
    if (runner == null) releaseSlot();
  }

  private void releaseSlot() {
    if (lease != null) {
      lease.host().tell(new NodeSlots.Release(ctx.getSelf(), lease.id()));
    } else if (slotRequested) {
      runtime.nodeSlots().tell(new NodeSlots.Release(ctx.getSelf(), 0));
    }
    lease = null;
    slotRequested = false;
  }

}
