package io.taskforce.internal.session;

import io.taskforce.api.FeedEvent;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.Refusal;
import io.taskforce.internal.TaskforceEntity;
import io.taskforce.internal.TaskforceRuntime;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.session.SessionCommand.*;
import io.taskforce.internal.session.SessionEvent.*;
import io.taskforce.internal.session.SessionState.*;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * One agent conversation (entity type {@code session}): the coordinator of its tasks. It keeps
 * their queue and its concurrency limit, tells tasks to start, applies their reports once each,
 * and numbers its event feed, which is made of its own {@link ReportApplied} events.
 *
 * <p>Sessions are remembered by sharding, so a session with unfinished tasks comes back by itself
 * after a restart and wakes them, through its node's {@link TaskWaker}; a session with none stops
 * itself when idle (and is forgotten).
 * Tasks are not remembered: a started task is woken by its session when a node leaves the cluster
 * ({@link io.taskforce.internal.WakeOnNodeRemoval}) and, as a safety net, every {@code
 * session.wake-interval}; a task handed off to another node wakes itself there.
 */
public final class SessionEntity
    extends TaskforceEntity<SessionCommand, SessionEvent, SessionState> {

  public static final EntityTypeKey<SessionCommand> TYPE_KEY =
      EntityTypeKey.create(SessionCommand.class, "session");
  public static final String TAG = "tf-session";

  public static Behavior<SessionCommand> create(
      String entityId, ActorRef<ClusterSharding.ShardCommand> shard, TaskforceRuntime runtime) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new SessionEntity(entityId, shard, runtime, ctx, timers)));
  }

  /** At most this many tasks' reports go into one write; the rest follow at once in the next. */
  static final int MAX_TASKS_PER_WRITE = 500;

  private final String tenant;
  /** Reports received and not yet written, by task, in arrival order (see {@link #bufferReports}). */
  private final Map<String, List<TaskReport>> unwritten = new LinkedHashMap<>();
  /** Finished tasks that confirmed they know it, to let go with the next write (see {@link #forgetTask}). */
  private final Set<String> toForget = new LinkedHashSet<>();
  private boolean flushRequested;
  /**
   * From its recovery until the node's {@link TaskWaker} has woken the started tasks this session
   * handed it: meanwhile it tells the waker of each task it hears from, and its periodic wake
   * waits (it would wake them all at once).
   */
  private boolean wakingAfterRecovery;

  private SessionEntity(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      TaskforceRuntime runtime,
      ActorContext<SessionCommand> ctx,
      TimerScheduler<SessionCommand> timers) {
    super(TYPE_KEY.name(), TAG, runtime.settings().sessionSnapshotEvery(), entityId, shard, runtime, ctx, timers);
    this.tenant = EntityIds.tenant(entityId);
  }

  @Override
  public SessionState emptyState() {
    return new NoSession();
  }

  @Override
  public EventHandler<SessionState, SessionEvent> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(NoSession.class).onEvent(SessionCreated.class, NoSession::create);
    builder.forStateType(OpenSession.class).onEvent(SessionClosed.class, OpenSession::close);
    builder
        .forStateType(ExistingSession.class)
        .onEvent(ReportApplied.class, ExistingSession::applyReport)
        .onEvent(FeedAcked.class, ExistingSession::ack)
        .onEvent(TaskForgotten.class, ExistingSession::forget)
        .onEvent(TasksForgotten.class, ExistingSession::forget);
    return builder.build();
  }

  @Override
  public SignalHandler<SessionState> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::onRecovered).build();
  }

  @Override
  public CommandHandlerWithReply<SessionCommand, SessionEvent, SessionState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();

    builder
        .forStateType(NoSession.class)
        .onCommand(Create.class, (none, c) -> create(c.info(), c.replyTo()))
        .onCommand(PrepareDispatch.class, (none, c) -> create(c.defaults(), c.replyTo()))
        .onCommand(ApplyReports.class, (none, apply) -> apply.reports().isEmpty()
            ? passivate() : applyToMissingSession(none, apply))
        .onCommand(Request.class, (none, r) -> unknownSession(r))
        .onCommand(HandOff.class, (none, c) -> Effect().stop().thenNoReply())
        .onAnyCommand(c -> passivate());

    builder
        .forStateType(OpenSession.class)
        .onCommand(PrepareDispatch.class, this::prepareDispatch)
        .onCommand(Close.class, this::close);

    builder
        .forStateType(ClosedSession.class)
        .onCommand(PrepareDispatch.class, (closed, c) -> Effect().reply(c.replyTo(),
            new SessionReply.Refused(Refusal.CONFLICT, "session " + closed.body().info().sessionId()
                + " is closed")))
        .onCommand(Close.class, (closed, c) -> Effect().reply(c.replyTo(), viewOf(closed)));

    builder
        .forStateType(ExistingSession.class)
        .onCommand(Create.class, (session, c) -> Effect().reply(c.replyTo(),
            new SessionReply.Refused(Refusal.CONFLICT, "session " + session.body().info().sessionId()
                + " exists")))
        .onCommand(Get.class, (session, c) -> Effect().reply(c.replyTo(), viewOf(session)))
        .onCommand(Ack.class, this::ack)
        .onCommand(LocateFeed.class, this::locateFeed)
        .onCommand(ApplyReports.class, this::bufferReports)
        .onCommand(FlushReports.class, this::flushReports)
        .onCommand(ForgetTask.class, this::forgetTask)
        .onCommand(Retell.class, (session, c) -> {
          retell(session);
          // Those to let go wait at most one retell interval when nothing else is written.
          if (!toForget.isEmpty()) requestFlush();
          return Effect().noReply();
        })
        .onCommand(WakeStartedTasks.class, (session, c) -> {
          if (!wakingAfterRecovery) wakeStarted(session);
          return Effect().noReply();
        })
        .onCommand(WakesDone.class, (session, c) -> {
          wakingAfterRecovery = false;
          return Effect().noReply();
        })
        .onCommand(IdleCheck.class, this::idleCheck)
        .onCommand(HandOff.class, (session, c) -> Effect().stop().thenNoReply());

    return builder.build();
  }

  // ---- the session itself

  private ReplyEffect<SessionEvent, SessionState> create(SessionInfo info, ActorRef<SessionReply> replyTo) {
    return Effect()
        .persist(new SessionCreated(info, now()))
        .thenRun(state -> scheduleIdleCheck())
        .thenReply(replyTo, state -> new SessionReply.View(((ExistingSession) state).view(), true));
  }

  private ReplyEffect<SessionEvent, SessionState> prepareDispatch(OpenSession session, PrepareDispatch prepare) {
    SessionBody body = session.body();
    if (body.queuedCount() >= body.info().maxQueuedTasks()) {
      return Effect().reply(prepare.replyTo(), new SessionReply.Refused(Refusal.QUEUE_FULL,
          "session " + body.info().sessionId() + " has " + body.info().maxQueuedTasks() + " queued tasks"));
    }
    return Effect().reply(prepare.replyTo(), new SessionReply.View(session.view(), false));
  }

  private ReplyEffect<SessionEvent, SessionState> close(OpenSession session, Close close) {
    return Effect()
        .persist(new SessionClosed(now()))
        .thenRun(state -> retell((ExistingSession) state))
        .thenReply(close.replyTo(), this::viewOf);
  }

  private ReplyEffect<SessionEvent, SessionState> ack(ExistingSession session, Ack ack) {
    SessionBody body = session.body();
    long upTo = Math.min(ack.upTo(), body.lastEventSeq());
    if (upTo <= body.ackedEventSeq()) return Effect().reply(ack.replyTo(), viewOf(session));
    return Effect().persist(new FeedAcked(upTo, now())).thenReply(ack.replyTo(), this::viewOf);
  }

  private ReplyEffect<SessionEvent, SessionState> locateFeed(ExistingSession session, LocateFeed locate) {
    SessionBody body = session.body();
    return Effect().reply(locate.replyTo(), new SessionReply.FeedPosition(
        persistenceId().id(), body.feedIndex().journalSeqNrFor(locate.afterSeq()), body.lastEventSeq()));
  }

  private ReplyEffect<SessionEvent, SessionState> unknownSession(Request request) {
    passivate();
    return Effect().reply(request.replyTo(),
        new SessionReply.Refused(Refusal.NOT_FOUND, "no session " + EntityIds.localId(entityId)));
  }

  // ---- reports from tasks

  /**
   * Keeps a task's reports until the next write, which takes every report that arrived meanwhile
   * (group commit): a session of many busy tasks writes once per journal round trip, not once per
   * report. Nothing is confirmed before it is written; a report lost with this buffer is retold.
   */
  private ReplyEffect<SessionEvent, SessionState> bufferReports(ExistingSession session, ApplyReports apply) {
    heardFrom(apply.taskId());
    if (apply.reports().isEmpty()) return Effect().noReply();
    unwritten.merge(apply.taskId(), apply.reports(), SessionEntity::union);
    requestFlush();
    return Effect().noReply();
  }

  private static List<TaskReport> union(List<TaskReport> earlier, List<TaskReport> later) {
    var bySeq = new TreeMap<Long, TaskReport>();
    earlier.forEach(r -> bySeq.put(r.seq(), r));
    later.forEach(r -> bySeq.put(r.seq(), r));
    return List.copyOf(bySeq.values());
  }

  private ReplyEffect<SessionEvent, SessionState> flushReports(ExistingSession session, FlushReports flush) {
    flushRequested = false;
    List<ApplyReports> batch = new ArrayList<>();
    var it = unwritten.entrySet().iterator();
    while (it.hasNext() && batch.size() < MAX_TASKS_PER_WRITE) {
      var next = it.next();
      batch.add(new ApplyReports(next.getKey(), next.getValue()));
      it.remove();
    }
    if (!unwritten.isEmpty() || toForget.size() > MAX_TASKS_PER_WRITE) requestFlush();
    List<SessionEvent> events = new ArrayList<>(reportEvents(session, batch, 0));
    // After the reports, so that their journal sequence numbers (the feed index) stay as computed.
    takeForgotten().ifPresent(events::add);
    if (events.isEmpty()) {
      // Nothing new: retold reports, or those of tasks this session already let go. Confirm again.
      batch.forEach(this::confirm);
      return Effect().noReply();
    }
    return persistReports(batch, events);
  }

  private void requestFlush() {
    if (!flushRequested) {
      flushRequested = true;
      ctx.getSelf().tell(new FlushReports());
    }
  }

  /** A task of a session that was never created (not through the facade): create it with defaults. */
  private ReplyEffect<SessionEvent, SessionState> applyToMissingSession(NoSession none, ApplyReports apply) {
    var settings = runtime.settings();
    SessionInfo info = new SessionInfo(tenant, EntityIds.localId(entityId), "", settings.maxConcurrentTasks(),
        settings.maxQueuedTasks(), null, now());
    ExistingSession created = new OpenSession(SessionBody.created(info));
    List<SessionEvent> events = new ArrayList<>();
    events.add(new SessionCreated(info, info.createdAt()));
    events.addAll(reportEvents(created, List.of(apply), 1));
    return persistReports(List.of(apply), events);
  }

  /**
   * The events that apply the reports that are new to this session, numbering those that go on the
   * feed, with the grants that the result allows on the last of them. A task it does not know is
   * taken only from its first report (any other is a retold one of a task it let go).
   */
  private List<SessionEvent> reportEvents(ExistingSession session, List<ApplyReports> batch, int eventsBefore) {
    return reportEvents(session, batch, lastSequenceNumber(ctx) + 1 + eventsBefore, now());
  }

  static List<SessionEvent> reportEvents(
      ExistingSession session, List<ApplyReports> batch, long nextJournalSeqNr, Instant at) {
    long feedSeq = session.body().lastEventSeq();
    List<ReportApplied> events = new ArrayList<>();
    ExistingSession scratch = session;
    for (ApplyReports apply : batch) {
      TaskEntry entry = scratch.body().tasks().get(apply.taskId());
      long lastApplied = entry == null ? 0 : entry.lastReportSeq();
      List<TaskReport> fresh = apply.reports().stream().filter(r -> r.seq() > lastApplied).toList();
      if (fresh.isEmpty() || (entry == null && fresh.get(0).seq() != 1)) continue;
      for (TaskReport report : fresh) {
        boolean onFeed = report.kind().feedType() != null && !(report.kind().isFinal() && !report.notifyFinal());
        var event = new ReportApplied(apply.taskId(), report, onFeed ? ++feedSeq : 0,
            nextJournalSeqNr + events.size(), List.of(), at);
        scratch = scratch.applyReport(event);
        events.add(event);
      }
    }
    if (!events.isEmpty() && scratch instanceof OpenSession) {
      List<String> grants = scratch.body().grantable();
      if (!grants.isEmpty()) {
        ReportApplied last = events.remove(events.size() - 1);
        events.add(new ReportApplied(last.taskId(), last.report(), last.feedSeq(), last.journalSeqNr(), grants,
            last.at()));
      }
    }
    return List.copyOf(events);
  }

  private ReplyEffect<SessionEvent, SessionState> persistReports(List<ApplyReports> batch, List<SessionEvent> events) {
    return Effect()
        .persist(events)
        .thenRun(state -> {
          var session = (ExistingSession) state;
          batch.forEach(this::confirm);
          for (SessionEvent event : events) {
            if (event instanceof ReportApplied applied) {
              if (applied.feedSeq() > 0) publish(applied);
              applied.grants().forEach(id -> taskRef(id).tell(new TaskCommand.StartAttempt()));
            }
          }
          if (session instanceof ClosedSession) {
            for (ApplyReports apply : batch) {
              TaskEntry entry = session.body().tasks().get(apply.taskId());
              if (entry != null && !entry.finished()) {
                taskRef(apply.taskId()).tell(new TaskCommand.CancelForSession("session closed"));
              }
            }
          }
          ensureRetellTimer(session);
          if (!session.body().hasUnfinishedTasks()) scheduleIdleCheck();
        })
        .thenNoReply();
  }

  /**
   * A finished task knows that its final report was applied, so the session may let it go. Until
   * then the session must keep it, to tell a retold report of it (all of them, when the task was
   * stopped before it stored the confirmation) from a new task's. Letting go waits for the next
   * write, which takes every task that confirmed meanwhile in one event: under load that costs no
   * round trip of its own; otherwise it is written at the next retell tick. Lost with this
   * buffer, a confirmation is asked for again ({@link #onRecovered}).
   */
  private ReplyEffect<SessionEvent, SessionState> forgetTask(ExistingSession session, ForgetTask forget) {
    heardFrom(forget.taskId());
    TaskEntry entry = session.body().tasks().get(forget.taskId());
    if (entry == null || !entry.finished()) return Effect().noReply();
    toForget.add(forget.taskId());
    if (toForget.size() >= MAX_TASKS_PER_WRITE) requestFlush();
    return Effect().noReply();
  }

  private Optional<SessionEvent> takeForgotten() {
    if (toForget.isEmpty()) return Optional.empty();
    List<String> ids = new ArrayList<>();
    var it = toForget.iterator();
    while (it.hasNext() && ids.size() < MAX_TASKS_PER_WRITE) {
      ids.add(it.next());
      it.remove();
    }
    return Optional.of(new TasksForgotten(ids, now()));
  }

  /** Tells a task that its reports up to the highest it sent are applied. */
  private void confirm(ApplyReports apply) {
    long upTo = apply.reports().stream().mapToLong(TaskReport::seq).max().orElse(0);
    taskRef(apply.taskId()).tell(new TaskCommand.ConfirmReports(upTo));
  }

  // ---- telling tasks, again when needed

  /**
   * Tells each task what it has not acted on yet: a start grant, a confirmation of its final
   * report (so it can be forgotten), a cancellation of a closed session's task.
   */
  private void retell(ExistingSession session) {
    boolean closed = session instanceof ClosedSession;
    for (Map.Entry<String, TaskEntry> e : session.body().tasks().entrySet()) {
      TaskEntry entry = e.getValue();
      var task = taskRef(e.getKey());
      if (entry.finished()) {
        if (!toForget.contains(e.getKey())) task.tell(new TaskCommand.ConfirmReports(entry.lastReportSeq()));
      } else if (closed) {
        task.tell(new TaskCommand.CancelForSession("session closed"));
      } else if (entry.granted()) {
        task.tell(new TaskCommand.StartAttempt());
      }
    }
    ensureRetellTimer(session);
  }

  /**
   * Tells every started task (running, paused, asking) its last confirmation: a live one just
   * takes it, one that is down (tasks are not remembered entities) comes back on a node of the
   * cluster. Queued tasks wake when they are told to start.
   */
  private void wakeStarted(ExistingSession session) {
    for (Map.Entry<String, TaskEntry> e : session.body().tasks().entrySet()) {
      TaskEntry entry = e.getValue();
      if (!entry.finished() && !entry.granted() && !entry.queued()) {
        taskRef(e.getKey()).tell(new TaskCommand.ConfirmReports(entry.lastReportSeq()));
      }
    }
  }

  /** While its started tasks are being woken, the waker hears of each that answered. */
  private void heardFrom(String taskId) {
    if (wakingAfterRecovery) runtime.taskWaker().tell(new TaskWaker.Answered(EntityIds.of(tenant, taskId)));
  }

  private void ensureRetellTimer(ExistingSession session) {
    SessionTasks tasks = session.body().tasks();
    boolean closed = session instanceof ClosedSession;
    boolean awaiting = closed ? !tasks.isEmpty() : tasks.anyAwaitingTask();
    if (awaiting && !timers.isTimerActive("retell")) {
      timers.startTimerWithFixedDelay("retell", new Retell(), runtime.settings().sessionRetellInterval());
    } else if (!awaiting) {
      timers.cancel("retell");
    }
    boolean started = !closed && tasks.unfinishedCount() > tasks.queuedCount();
    if (started && !timers.isTimerActive("wake")) {
      timers.startTimerWithFixedDelay("wake", new WakeStartedTasks(), runtime.settings().sessionWakeInterval());
    } else if (!started) {
      timers.cancel("wake");
    }
  }

  private void onRecovered(SessionState state) {
    if (!(state instanceof ExistingSession session)) return;
    // Wake the tasks that hold or were granted a slot, and those awaiting their last confirmation,
    // through the node's waker (a window for the whole node); queued ones wake when told to start.
    // A woken task answers with its unconfirmed reports, none if it has none; a finished one whose
    // final report was applied lets this session go instead.
    List<TaskWaker.Sleeper> sleepers = new ArrayList<>();
    for (Map.Entry<String, TaskEntry> e : session.body().tasks().entrySet()) {
      TaskEntry entry = e.getValue();
      if (entry.holdsSlot() || entry.finished() || entry.status() != io.taskforce.api.TaskStatus.PENDING) {
        sleepers.add(new TaskWaker.Sleeper(EntityIds.of(tenant, e.getKey()), entry.lastReportSeq()));
      }
    }
    if (!sleepers.isEmpty()) {
      wakingAfterRecovery = true;
      runtime.taskWaker().tell(new TaskWaker.WakeTasks(ctx.getSelf(), sleepers));
    }
    retell(session);
    if (!session.body().hasUnfinishedTasks()) scheduleIdleCheck();
  }

  private ReplyEffect<SessionEvent, SessionState> idleCheck(ExistingSession session, IdleCheck check) {
    if (session.body().hasUnfinishedTasks() || !unwritten.isEmpty()) return Effect().noReply();
    var forgotten = takeForgotten();
    if (forgotten.isPresent()) {
      // Written before passivating, so that a passivated session keeps no task it has to ask again.
      return Effect().persist(forgotten.get()).thenRun(state -> ctx.getSelf().tell(new IdleCheck())).thenNoReply();
    }
    return passivate();
  }

  private void scheduleIdleCheck() {
    timers.startSingleTimer("idle", new IdleCheck(), runtime.settings().sessionIdleTimeout());
  }

  // ---- helpers

  private void publish(ReportApplied applied) {
    runtime.feedTopics().tell(new FeedTopics.Publish(entityId, toFeedEvent(applied)));
  }

  /** The feed event a numbered {@link ReportApplied} is. */
  public static FeedEvent toFeedEvent(ReportApplied applied) {
    TaskReport r = applied.report();
    return new FeedEvent(applied.feedSeq(), r.kind().feedType(), applied.taskId(), r.status(), r.at(),
        r.progress(), r.question(), r.result(), r.error(), r.title(), r.context(), r.attempt());
  }

  private SessionReply viewOf(SessionState state) {
    return new SessionReply.View(((ExistingSession) state).view(), false);
  }

  private org.apache.pekko.actor.typed.RecipientRef<TaskCommand> taskRef(String taskId) {
    return runtime.entities().task(EntityIds.of(tenant, taskId));
  }

}
