package io.taskforce.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskforce.TaskforceSettings;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.TaskError;
import io.taskforce.api.ErrorType;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.EntityRefs;
import io.taskforce.internal.Refusal;
import io.taskforce.internal.TaskforceRuntime;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.SessionCommand.*;
import io.taskforce.internal.session.SessionEvent.*;
import io.taskforce.internal.session.SessionState.*;
import io.taskforce.internal.task.EntityTestConfig;
import io.taskforce.internal.task.ReportKind;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskReport;
import io.taskforce.spi.ExecutorRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The session entity with its tasks, the feed topics and the shard replaced by probes. Reports are
 * built by hand, as the task entity would make them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(TestKitJUnit5Extension.class)
class SessionEntityTest {

  private static final String TENANT = "acme";
  private static final Instant AT = Instant.parse("2026-11-25T06:30:00.123Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode METADATA = JSON.createObjectNode().put("user", "ada");
  private static final Duration SHORT = Duration.ofMillis(100);

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder()
          .withName("SessionEntityTest")
          .withCustomConfig(EntityTestConfig.with(String.join("\n",
              "taskforce.session.retell-interval = 1h",
              "taskforce.session.idle-timeout = 300ms")))
          .build();

  private final TaskforceSettings settings = TaskforceSettings.from(testKit.system().settings().config());
  private final AtomicInteger sessionNumbers = new AtomicInteger();

  private String sessionId;
  private TestProbe<FeedTopics.Command> topics;
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private TestProbe<TaskCommand> strayTasks;
  private TestProbe<TaskWaker.Command> waker;
  private Map<String, TestProbe<TaskCommand>> tasks;
  private EventSourcedBehaviorTestKit<SessionCommand, SessionEvent, SessionState> session;

  @BeforeEach
  void freshSession() {
    sessionId = "s" + sessionNumbers.incrementAndGet();
    session = newSession(EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
  }

  private EventSourcedBehaviorTestKit<SessionCommand, SessionEvent, SessionState> newSession(
      EventSourcedBehaviorTestKit.SerializationSettings serialization) {
    topics = testKit.createTestProbe(FeedTopics.Command.class);
    shard = testKit.createTestProbe(ClusterSharding.ShardCommand.class);
    strayTasks = testKit.createTestProbe(TaskCommand.class);
    waker = testKit.createTestProbe(TaskWaker.Command.class);
    tasks = new ConcurrentHashMap<>();
    // Captured here, so that an entity of an earlier test never reaches this test's probes.
    Map<String, TestProbe<TaskCommand>> taskProbes = tasks;
    TestProbe<TaskCommand> stray = strayTasks;
    EntityRefs refs = new EntityRefs() {
      @Override
      public RecipientRef<SessionCommand> session(String entityId) {
        throw new AssertionError("a session does not talk to other sessions, yet it addressed " + entityId);
      }

      @Override
      public RecipientRef<TaskCommand> task(String entityId) {
        assertEquals(TENANT, EntityIds.tenant(entityId));
        var probe = taskProbes.get(EntityIds.localId(entityId));
        return probe != null ? probe.ref() : stray.ref();
      }
    };
    TestProbe<NodeSlots.Command> slots = testKit.createTestProbe(NodeSlots.Command.class);
    var runtime = new TaskforceRuntime(
        settings, new ExecutorRegistry(), slots.ref(), topics.ref(), refs, waker.ref(), Runnable::run, Clock.systemUTC(),
        new io.taskforce.internal.metrics.TaskforceMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), SessionEntity.create(EntityIds.of(TENANT, sessionId), shard.ref(), runtime), serialization);
  }

  // ============================================================================================
  // The session itself

  @Test
  void createdSessionIsActiveWithNoTasks() {
    var result = session.<SessionReply>runCommand(replyTo -> new Create(info(4, 100), replyTo));
    assertEquals(info(4, 100), assertInstanceOf(SessionCreated.class, result.event()).info());
    var view = result.replyOfType(SessionReply.View.class);
    assertTrue(view.created());
    assertEquals(sessionId, view.session().id());
    assertEquals("active", view.session().status());
    assertEquals(4, view.session().maxConcurrentTasks());
    assertEquals(METADATA, view.session().metadata());
    assertEquals(0, view.session().lastEventSeq());
    assertEquals(TaskStatus.values().length, view.session().counts().size());
    assertTrue(view.session().counts().values().stream().allMatch(count -> count == 0));
    assertInstanceOf(OpenSession.class, result.state());
  }

  @Test
  void creatingAnExistingSessionIsRefusedWithConflict() {
    create(4, 100);
    var again = session.<SessionReply>runCommand(replyTo -> new Create(info(4, 100), replyTo));
    var refused = again.replyOfType(SessionReply.Refused.class);
    assertEquals(Refusal.CONFLICT, refused.reason());
    assertEquals("session " + sessionId + " exists", refused.message());
    assertTrue(again.hasNoEvents());
  }

  @Test
  void prepareDispatchCreatesAMissingSessionAndAnswersAnOpenOneWithoutPersisting() {
    var first = session.<SessionReply>runCommand(replyTo -> new PrepareDispatch(info(2, 100), replyTo));
    assertInstanceOf(SessionCreated.class, first.event());
    assertTrue(first.replyOfType(SessionReply.View.class).created());

    var second = session.<SessionReply>runCommand(replyTo -> new PrepareDispatch(info(9, 9), replyTo));
    assertTrue(second.hasNoEvents());
    var view = second.replyOfType(SessionReply.View.class);
    assertFalse(view.created());
    assertEquals(2, view.session().maxConcurrentTasks());
  }

  @Test
  void closedSessionRefusesDispatchWithConflictAndTellsItsUnfinishedTasksToCancel() {
    create(4, 100);
    var a = taskProbe("a");
    dispatch("a", 0);
    a.expectMessageClass(TaskCommand.ConfirmReports.class);
    a.expectMessageClass(TaskCommand.StartAttempt.class);

    var closed = session.<SessionReply>runCommand(Close::new);
    assertInstanceOf(SessionClosed.class, closed.event());
    assertEquals("closed", closed.replyOfType(SessionReply.View.class).session().status());
    assertInstanceOf(ClosedSession.class, closed.state());
    assertEquals(new TaskCommand.CancelForSession("session closed"),
        a.expectMessageClass(TaskCommand.CancelForSession.class));

    var refused = session.<SessionReply>runCommand(replyTo -> new PrepareDispatch(info(4, 100), replyTo));
    assertEquals(new SessionReply.Refused(Refusal.CONFLICT, "session " + sessionId + " is closed"), refused.reply());
    assertTrue(refused.hasNoEvents());
    var closedAgain = session.<SessionReply>runCommand(Close::new);
    assertTrue(closedAgain.hasNoEvents());
    assertEquals("closed", closedAgain.replyOfType(SessionReply.View.class).session().status());

    // A report of an unfinished task still applies; it grants nothing and is told to cancel again.
    var started = apply("a", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    assertEquals(List.of(), ((ReportApplied) started.event()).grants());
    a.expectMessageClass(TaskCommand.ConfirmReports.class);
    a.expectMessageClass(TaskCommand.CancelForSession.class);
  }

  @Test
  void fullQueueRefusesDispatchWithQueueFull() {
    create(1, 2);
    dispatch("a", 0); // granted at once: not queued
    dispatch("b", 0);
    var stillRoom = session.<SessionReply>runCommand(replyTo -> new PrepareDispatch(info(1, 2), replyTo));
    assertInstanceOf(SessionReply.View.class, stillRoom.reply());
    dispatch("c", 0);

    var full = session.<SessionReply>runCommand(replyTo -> new PrepareDispatch(info(1, 2), replyTo));
    var refused = full.replyOfType(SessionReply.Refused.class);
    assertEquals(Refusal.QUEUE_FULL, refused.reason());
    assertEquals("session " + sessionId + " has 2 queued tasks", refused.message());
    assertTrue(full.hasNoEvents());
  }

  @Test
  void unknownSessionAnswersNotFoundPersistsNothingAndPassivates() {
    var result = session.<SessionReply>runCommand(Get::new);
    assertEquals(new SessionReply.Refused(Refusal.NOT_FOUND, "no session " + sessionId), result.reply());
    assertTrue(result.hasNoEvents());
    shard.expectMessageClass(ClusterSharding.Passivate.class);

    for (var request : List.<java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<SessionReply>, SessionCommand>>of(
        Close::new, r -> new Ack(1, r), r -> new LocateFeed(0, r))) {
      var answer = session.<SessionReply>runCommand(request::apply);
      assertEquals(Refusal.NOT_FOUND, answer.replyOfType(SessionReply.Refused.class).reason());
      assertTrue(answer.hasNoEvents());
    }
    assertTrue(session.runCommand(new ForgetTask("a")).hasNoEvents());
    assertTrue(session.runCommand(new FlushReports()).hasNoEvents());
    assertInstanceOf(NoSession.class, session.getState());
  }

  @Test
  void sessionWithoutTasksPassivatesWhenIdleAndOneWithTasksDoesNot() {
    create(4, 100);
    shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(5));

    sessionId = sessionId + "-busy";
    session = newSession(EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
    create(4, 100);
    dispatch("a", 0);
    shard.expectNoMessage(Duration.ofMillis(600));
  }

  // ============================================================================================
  // Reports

  @Test
  void dispatchReportsAreNumberedOnTheFeedConfirmedAndGranted() {
    create(4, 100);
    var a = taskProbe("a");
    var b = taskProbe("b");
    var first = dispatch("a", 0);
    var second = dispatch("b", 0);
    assertEquals(1, first.feedSeq());
    assertEquals(2, second.feedSeq());
    assertEquals(List.of("a"), first.grants());
    assertEquals(List.of("b"), second.grants());
    // Each event knows where it is in the journal (the session's creation is number 1).
    assertEquals(2, first.journalSeqNr());
    assertEquals(3, second.journalSeqNr());
    assertEquals(first, session.persistenceTestKit().persistedInStorage(persistenceId()).get(1));

    assertEquals(new TaskCommand.ConfirmReports(1), a.expectMessageClass(TaskCommand.ConfirmReports.class));
    a.expectMessageClass(TaskCommand.StartAttempt.class);
    assertEquals(new TaskCommand.ConfirmReports(1), b.expectMessageClass(TaskCommand.ConfirmReports.class));
    b.expectMessageClass(TaskCommand.StartAttempt.class);

    var published = topics.expectMessageClass(FeedTopics.Publish.class);
    assertEquals(EntityIds.of(TENANT, sessionId), published.sessionKey());
    assertEquals(1L, published.event().seq());
    assertEquals(FeedEventType.DISPATCHED, published.event().type());
    assertEquals("a", published.event().taskId());
    assertEquals(2L, topics.expectMessageClass(FeedTopics.Publish.class).event().seq());

    var view = get();
    assertEquals(2, view.lastEventSeq());
    assertEquals(2L, view.counts().get("pending"));
  }

  @Test
  void repeatedReportChangesNothingButIsConfirmedAgain() {
    create(4, 100);
    var a = taskProbe("a");
    dispatch("a", 0);
    a.expectMessageClass(TaskCommand.ConfirmReports.class);
    a.expectMessageClass(TaskCommand.StartAttempt.class);
    topics.expectMessageClass(FeedTopics.Publish.class);
    SessionState before = session.getState();

    var repeat = apply("a", dispatchReport(0, true));
    assertTrue(repeat.hasNoEvents());
    assertEquals(before, repeat.state());
    assertEquals(new TaskCommand.ConfirmReports(1), a.expectMessageClass(TaskCommand.ConfirmReports.class));
    a.expectNoMessage(SHORT);
    topics.expectNoMessage(SHORT);
  }

  @Test
  void reportsAreAppliedOnceEachInOrder() {
    create(4, 100);
    var a = taskProbe("a");
    dispatch("a", 0);
    var batch = apply("a", dispatchReport(0, true),
        report(2, ReportKind.STARTED, TaskStatus.RUNNING, true),
        report(3, ReportKind.PAUSED, TaskStatus.PAUSED, true));
    assertEquals(List.of(2L, 3L), batch.events().stream().map(e -> ((ReportApplied) e).report().seq()).toList());
    assertEquals(List.of(2L, 3L), batch.events().stream().map(e -> ((ReportApplied) e).feedSeq()).toList());
    assertEquals(List.of(3L, 4L), batch.events().stream().map(e -> ((ReportApplied) e).journalSeqNr()).toList());

    var overlap = apply("a", report(3, ReportKind.PAUSED, TaskStatus.PAUSED, true),
        report(4, ReportKind.RESUMED, TaskStatus.RUNNING, true));
    assertEquals(1, overlap.events().size());
    assertEquals(4, ((ReportApplied) overlap.event()).report().seq());
    assertEquals(4, ((ReportApplied) overlap.event()).feedSeq());
    assertEquals(FeedEventType.RESUMED, ((ReportApplied) overlap.event()).report().kind().feedType());

    var entry = ((OpenSession) overlap.state()).body().tasks().get("a");
    assertEquals(4, entry.lastReportSeq());
    assertEquals(TaskStatus.RUNNING, entry.status());
    assertEquals(1L, get().counts().get("running"));
    assertEquals(0L, get().counts().get("paused"));

    a.expectMessageClass(TaskCommand.ConfirmReports.class); // 1
    a.expectMessageClass(TaskCommand.StartAttempt.class);
    assertEquals(new TaskCommand.ConfirmReports(3), a.expectMessageClass(TaskCommand.ConfirmReports.class));
    assertEquals(new TaskCommand.ConfirmReports(4), a.expectMessageClass(TaskCommand.ConfirmReports.class));
  }

  @Test
  void reportsOfAnUnknownTaskThatDoNotStartWithItsDispatchAreNotApplied() {
    create(4, 100);
    var ghost = taskProbe("ghost");
    var result = apply("ghost", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    assertTrue(result.hasNoEvents());
    assertFalse(((OpenSession) result.state()).body().tasks().containsKey("ghost"));
    // It is confirmed all the same (a task the session let go of retells nothing new).
    assertEquals(new TaskCommand.ConfirmReports(2), ghost.expectMessageClass(TaskCommand.ConfirmReports.class));
  }

  @Test
  void grantsRespectTheConcurrencyLimitHighestPriorityFirstThenOldest() {
    create(1, 100);
    var a = taskProbe("a");
    var b = taskProbe("b");
    var c = taskProbe("c");
    var d = taskProbe("d");
    assertEquals(List.of("a"), dispatch("a", 0).grants());
    assertEquals(List.of(), dispatch("b", 0).grants());
    assertEquals(List.of(), dispatch("c", 5).grants());
    assertEquals(List.of(), dispatch("d", 5).grants());
    a.expectMessageClass(TaskCommand.ConfirmReports.class);
    a.expectMessageClass(TaskCommand.StartAttempt.class);
    for (var probe : List.of(b, c, d)) {
      probe.expectMessageClass(TaskCommand.ConfirmReports.class);
      probe.expectNoMessage(Duration.ofMillis(20));
    }

    assertEquals(List.of(), grantsOf(apply("a", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true))));
    // A running task that pauses keeps its slot.
    assertEquals(List.of(), grantsOf(apply("a", report(3, ReportKind.PAUSED, TaskStatus.PAUSED, true))));
    // Its final report frees it: the oldest of the highest priority goes next.
    assertEquals(List.of("c"), grantsOf(apply("a", finalReport(4, ReportKind.COMPLETED, true))));
    expectStart(c);
    // A queued task that pauses leaves the queue; the granted one still counts against the limit.
    assertEquals(List.of(), grantsOf(apply("b", report(2, ReportKind.PAUSED, TaskStatus.PAUSED, false))));
    assertEquals(List.of(), grantsOf(apply("c", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true))));
    // An attempt that will be retried frees the slot and puts its task back in the queue, where the
    // highest priority, then the oldest, goes first: here the same task again.
    assertEquals(List.of("c"), grantsOf(apply("c", report(3, ReportKind.REQUEUED, TaskStatus.PENDING, false))));
    expectStart(c);
    assertEquals(List.of(), grantsOf(apply("c", report(4, ReportKind.STARTED, TaskStatus.RUNNING, true))));
    assertEquals(List.of("d"), grantsOf(apply("c", finalReport(5, ReportKind.FAILED, true))));
    expectStart(d);
    // A resumed task is queued again.
    assertEquals(List.of(), grantsOf(apply("b", report(3, ReportKind.RESUMED, TaskStatus.PENDING, false))));
    assertEquals(List.of("b"), grantsOf(apply("d", finalReport(2, ReportKind.CANCELLED, true))));
    expectStart(b);

    var counts = get().counts();
    assertEquals(1L, counts.get("completed"));
    assertEquals(1L, counts.get("failed"));
    assertEquals(1L, counts.get("cancelled"));
    assertEquals(1L, counts.get("pending"));
  }

  @Test
  void fireAndForgetFinalReportAndRequeuesTakeNoFeedNumber() {
    create(4, 100);
    var dispatched = apply("a", dispatchReport(0, false));
    assertEquals(1, ((ReportApplied) dispatched.event()).feedSeq());
    assertEquals(2, appliedOf(apply("a", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true))).feedSeq());
    var requeued = report(3, ReportKind.REQUEUED, TaskStatus.PENDING, false);
    assertEquals(0, appliedOf(apply("a", requeued)).feedSeq());
    assertEquals(3, appliedOf(apply("a", report(4, ReportKind.STARTED, TaskStatus.RUNNING, true))).feedSeq());
    var completed = appliedOf(apply("a", finalReport(5, ReportKind.COMPLETED, false)));
    assertEquals(0, completed.feedSeq());

    List<Long> published = topics.receiveSeveralMessages(3).stream()
        .map(m -> ((FeedTopics.Publish) m).event().seq()).toList();
    assertEquals(List.of(1L, 2L, 3L), published);
    topics.expectNoMessage(SHORT);
    var view = get();
    assertEquals(3, view.lastEventSeq());
    assertEquals(1L, view.counts().get("completed"));
  }

  @Test
  void aConfirmedFinishedTaskIsLetGoWithTheNextWriteKeepingTheCounts() {
    create(4, 100);
    dispatch("a", 0);
    dispatch("b", 0);
    apply("a", finalReport(2, ReportKind.COMPLETED, true));

    assertTrue(session.runCommand(new ForgetTask("b")).hasNoEvents());
    assertTrue(session.runCommand(new ForgetTask("nobody")).hasNoEvents());
    // Taken now, written with the next write: here b's start.
    assertTrue(session.runCommand(new ForgetTask("a")).hasNoEvents());
    assertTrue(((OpenSession) session.getState()).body().tasks().containsKey("a"));
    var next = apply("b", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    assertEquals(2, next.events().size());
    assertInstanceOf(ReportApplied.class, next.events().get(0));
    assertEquals(List.of("a"), assertInstanceOf(TasksForgotten.class, next.events().get(1)).taskIds());
    var body = ((OpenSession) next.state()).body();
    assertFalse(body.tasks().containsKey("a"));
    assertTrue(body.tasks().containsKey("b"));
    assertEquals(1L, get().counts().get("completed"));
    assertTrue(session.runCommand(new ForgetTask("a")).hasNoEvents());
    assertTrue(session.runCommand(new FlushReports()).hasNoEvents());
  }

  @Test
  void allOfAFinishedTasksReportsRetoldAfterItWasStoppedBeforeItStoredTheConfirmationChangeNothing() {
    // The session applied a's three reports; a was killed before it wrote down the confirmation,
    // so on restart it tells all three again, the first one too.
    create(4, 100);
    var a = taskProbe("a");
    dispatch("a", 0);
    apply("a", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    apply("a", finalReport(3, ReportKind.COMPLETED, true));
    long feedBefore = get().lastEventSeq();
    a.receiveSeveralMessages(4); // its grant and the confirmations of 1, 2 and 3

    var retold = apply("a", dispatchReport(0, true), report(2, ReportKind.STARTED, TaskStatus.RUNNING, true),
        finalReport(3, ReportKind.COMPLETED, true));
    assertTrue(retold.hasNoEvents());
    assertEquals(new TaskCommand.ConfirmReports(3), a.expectMessageClass(TaskCommand.ConfirmReports.class));
    assertEquals(feedBefore, get().lastEventSeq());
    assertEquals(1L, get().counts().get("completed"));
  }

  @Test
  void anIdleSessionWritesWhomItLetsGoBeforeItPassivates() {
    create(4, 100);
    dispatch("a", 0);
    apply("a", finalReport(2, ReportKind.COMPLETED, true));
    session.runCommand(new ForgetTask("a"));

    var idle = session.runCommand(new IdleCheck());
    assertEquals(List.of("a"), assertInstanceOf(TasksForgotten.class, idle.event()).taskIds());
    assertTrue(((OpenSession) idle.state()).body().tasks().isEmpty());
    assertTrue(session.runCommand(new IdleCheck()).hasNoEvents());
  }

  @Test
  void reportsOfSeveralTasksWrittenTogetherAreNumberedInOrderWithTheGrantsOnTheLast() {
    create(1, 100);
    ReportApplied first = dispatch("a", 0);
    var state = (OpenSession) session.getState();
    var batch = List.of(
        new ApplyReports("a", List.of(dispatchReport(0, true), report(2, ReportKind.STARTED, TaskStatus.RUNNING, true))),
        new ApplyReports("b", List.of(dispatchReport(0, true))),
        new ApplyReports("ghost", List.of(report(3, ReportKind.STARTED, TaskStatus.RUNNING, true))),
        new ApplyReports("c", List.of(dispatchReport(7, true))),
        new ApplyReports("a", List.of(finalReport(3, ReportKind.COMPLETED, true))));
    var events = SessionEntity.reportEvents(state, batch, 10, AT).stream().map(e -> (ReportApplied) e).toList();

    assertEquals(List.of("a", "b", "c", "a"), events.stream().map(ReportApplied::taskId).toList());
    assertEquals(List.of(2L, 3L, 4L, 5L), events.stream().map(ReportApplied::feedSeq).toList());
    assertEquals(List.of(10L, 11L, 12L, 13L), events.stream().map(ReportApplied::journalSeqNr).toList());
    // Only the state after the whole write decides: a's slot is free again, c has the higher priority.
    assertEquals(List.of(List.of(), List.of(), List.of(), List.of("c")),
        events.stream().map(ReportApplied::grants).toList());
    assertEquals(List.of("a"), first.grants());
  }

  @Test
  void ackMovesForwardOnlyAndIsCappedAtTheLastEventSeq() {
    create(4, 100);
    dispatch("a", 0);
    dispatch("b", 0);
    dispatch("c", 0);

    var two = session.<SessionReply>runCommand(replyTo -> new Ack(2, replyTo));
    assertEquals(2, assertInstanceOf(FeedAcked.class, two.event()).upTo());
    assertEquals(2, two.replyOfType(SessionReply.View.class).session().ackedEventSeq());

    var back = session.<SessionReply>runCommand(replyTo -> new Ack(1, replyTo));
    assertTrue(back.hasNoEvents());
    assertEquals(2, back.replyOfType(SessionReply.View.class).session().ackedEventSeq());

    var beyond = session.<SessionReply>runCommand(replyTo -> new Ack(99, replyTo));
    assertEquals(3, assertInstanceOf(FeedAcked.class, beyond.event()).upTo());
    assertEquals(3, beyond.replyOfType(SessionReply.View.class).session().ackedEventSeq());

    assertTrue(session.<SessionReply>runCommand(replyTo -> new Ack(99, replyTo)).hasNoEvents());
  }

  @Test
  void locateFeedNamesTheJournalAndWhereToReadItFrom() {
    create(4, 100);
    dispatch("a", 0);
    apply("a", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    var position = session.<SessionReply>runCommand(replyTo -> new LocateFeed(0, replyTo))
        .replyOfType(SessionReply.FeedPosition.class);
    assertEquals(persistenceId(), position.persistenceId());
    assertEquals(2, position.fromJournalSeqNr());
    assertEquals(2, position.lastEventSeq());
    // Feed event 1 is journal event 2: a replay after 1 may start there too (the index is sparse).
    var after = session.<SessionReply>runCommand(replyTo -> new LocateFeed(1, replyTo))
        .replyOfType(SessionReply.FeedPosition.class);
    assertTrue(after.fromJournalSeqNr() <= 3);
  }

  @Test
  void reportOfASessionThatWasNeverCreatedCreatesItWithTheDefaults() {
    sessionId = sessionId + "-defaults";
    session = newSession(EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
    var a = taskProbe("a");
    var result = apply("a", dispatchReport(0, true));
    assertEquals(2, result.events().size());
    var created = assertInstanceOf(SessionCreated.class, result.events().get(0));
    assertEquals(settings.maxConcurrentTasks(), created.info().maxConcurrentTasks());
    assertEquals(settings.maxQueuedTasks(), created.info().maxQueuedTasks());
    assertEquals(sessionId, created.info().sessionId());
    assertNull(created.info().metadata());
    var applied = assertInstanceOf(ReportApplied.class, result.events().get(1));
    assertEquals(1, applied.feedSeq());
    assertEquals(2, applied.journalSeqNr());
    assertEquals(List.of("a"), applied.grants());
    a.expectMessageClass(TaskCommand.ConfirmReports.class);
    a.expectMessageClass(TaskCommand.StartAttempt.class);
  }

  // ============================================================================================
  // Recovery

  @Test
  void recoveredSessionKeepsItsCountsAndFeedAndRetellsGrantsAndConfirmations() {
    create(2, 100);
    var done = taskProbe("done");
    var running = taskProbe("running");
    var granted = taskProbe("granted");
    var queued = taskProbe("queued");
    dispatch("done", 0);
    apply("done", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    apply("done", finalReport(3, ReportKind.COMPLETED, true));
    dispatch("running", 0);
    apply("running", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    dispatch("granted", 0);
    dispatch("queued", 0);
    session.<SessionReply>runCommand(replyTo -> new Ack(3, replyTo));
    var before = get();
    done.receiveSeveralMessages(4); // confirmations of 1, 2, 3 and its grant
    running.receiveSeveralMessages(3); // confirmations of 1, 2 and its grant
    granted.receiveSeveralMessages(2); // confirmation of 1 and its grant
    queued.receiveSeveralMessages(1); // confirmation of 1

    var recovered = assertInstanceOf(OpenSession.class, session.restart().state());
    assertEquals(before, recovered.view());
    assertEquals(7, recovered.view().lastEventSeq());
    assertEquals(3, recovered.view().ackedEventSeq());
    assertEquals(1L, recovered.view().counts().get("completed"));
    assertEquals(1L, recovered.view().counts().get("running"));
    assertEquals(2L, recovered.view().counts().get("pending"));

    // The node's waker is to wake the finished task, to have it confirm it knows (so it can be
    // forgotten), and the running one, with a confirmation of what was applied...
    assertEquals(Set.of(sleeper("done", 3), sleeper("running", 2)),
        Set.copyOf(waker.expectMessageClass(TaskWaker.WakeTasks.class).tasks()));
    // ...the granted one is told again to start, and the queued one waits.
    granted.expectMessageClass(TaskCommand.StartAttempt.class);
    queued.expectNoMessage(SHORT);

    // The feed goes on from where it was.
    assertEquals(8, appliedOf(apply("running", finalReport(3, ReportKind.COMPLETED, true))).feedSeq());
  }

  /**
   * A restarted session with thousands of started tasks must not wake them all at once (their
   * writes would queue behind each other in the journal): it hands them to its node's waker, tells
   * the waker of each one it hears from, and holds its own periodic wake until the waker is done.
   */
  @Test
  void aRecoveredSessionHandsItsStartedTasksToTheNodesWaker() {
    create(10, 100);
    List<String> ids = List.of("a", "b", "c");
    for (String id : ids) {
      var probe = taskProbe(id);
      dispatch(id, 0);
      apply(id, report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
      probe.receiveSeveralMessages(3); // confirmations of 1, 2 and its grant
    }

    session.restart();
    var wake = waker.expectMessageClass(TaskWaker.WakeTasks.class);
    assertEquals(List.of(sleeper("a", 2), sleeper("b", 2), sleeper("c", 2)), wake.tasks());
    ids.forEach(id -> taskProbe(id).expectNoMessage(SHORT));

    // "a" came back with nothing new to report: the waker hears of it, and nothing is written.
    session.runCommand(new ApplyReports("a", List.of()));
    assertEquals(new TaskWaker.Answered(EntityIds.of(TENANT, "a")), waker.expectMessageClass(TaskWaker.Answered.class));
    taskProbe("a").expectNoMessage(SHORT);

    // While the waker works, the periodic wake would wake them all at once: it waits.
    session.runCommand(new WakeStartedTasks());
    ids.forEach(id -> taskProbe(id).expectNoMessage(SHORT));

    // Once the waker is done, answers are the session's own again and the periodic wake goes on.
    session.runCommand(new WakesDone());
    session.runCommand(new ApplyReports("b", List.of()));
    waker.expectNoMessage(SHORT);
    session.runCommand(new WakeStartedTasks());
    for (String id : ids) {
      assertEquals(new TaskCommand.ConfirmReports(2), taskProbe(id).expectMessageClass(TaskCommand.ConfirmReports.class));
    }
  }

  private static TaskWaker.Sleeper sleeper(String taskId, long upTo) {
    return new TaskWaker.Sleeper(EntityIds.of(TENANT, taskId), upTo);
  }

  /**
   * Tasks are not remembered entities: a session's retell tick is what brings a started task back
   * (on another node, when its own is gone). Started and paused tasks are woken with a
   * confirmation of what was applied; queued ones are not (a grant wakes them).
   */
  @Test
  void theWakeTickWakesEveryStartedTaskButNotTheQueuedOnesAndTheRetellTickNeither() {
    create(2, 100);
    var running = taskProbe("running");
    var paused = taskProbe("paused");
    var queued = taskProbe("queued");
    dispatch("running", 0);
    apply("running", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    dispatch("paused", 0);
    apply("paused", report(2, ReportKind.STARTED, TaskStatus.RUNNING, true));
    apply("paused", report(3, ReportKind.PAUSED, TaskStatus.PAUSED, true));
    dispatch("queued", 0);
    running.receiveSeveralMessages(3); // confirmations of 1, 2 and its grant
    paused.receiveSeveralMessages(4); // confirmations of 1, 2, 3 and its grant
    queued.receiveSeveralMessages(1); // confirmation of 1

    // An idle running task costs no message at each retell: nothing was told it that it has not acted on.
    session.runCommand(new Retell());
    running.expectNoMessage(SHORT);
    paused.expectNoMessage(SHORT);

    session.runCommand(new WakeStartedTasks());
    assertEquals(new TaskCommand.ConfirmReports(2), running.expectMessageClass(TaskCommand.ConfirmReports.class));
    assertEquals(new TaskCommand.ConfirmReports(3), paused.expectMessageClass(TaskCommand.ConfirmReports.class));
    queued.expectNoMessage(SHORT);
  }

  // ============================================================================================
  // Steps

  private SessionInfo info(int maxConcurrent, int maxQueued) {
    return new SessionInfo(TENANT, sessionId, "Main conversation", maxConcurrent, maxQueued, METADATA, AT);
  }

  private void create(int maxConcurrent, int maxQueued) {
    var result = session.<SessionReply>runCommand(replyTo -> new Create(info(maxConcurrent, maxQueued), replyTo));
    assertTrue(result.replyOfType(SessionReply.View.class).created());
  }

  private String persistenceId() {
    return "session|" + EntityIds.of(TENANT, sessionId);
  }

  private TestProbe<TaskCommand> taskProbe(String taskId) {
    return tasks.computeIfAbsent(taskId, id -> testKit.createTestProbe(TaskCommand.class));
  }

  private io.taskforce.api.SessionView get() {
    return session.<SessionReply>runCommand(Get::new).replyOfType(SessionReply.View.class).session();
  }

  private ReportApplied dispatch(String taskId, int priority) {
    var result = apply(taskId, dispatchReport(priority, true));
    assertEquals(1, result.events().size());
    return (ReportApplied) result.event();
  }

  /** What one task's reports wrote, once the session wrote what it had buffered. */
  private record Written(List<SessionEvent> events, SessionState state) {
    boolean hasNoEvents() {
      return events.isEmpty();
    }

    SessionEvent event() {
      assertEquals(1, events.size(), "events: " + events);
      return events.get(0);
    }
  }

  /**
   * Tells the session a task's reports, then has it write them. The session also tells itself to
   * write, before this test's own flush, so the events are read from the journal.
   */
  private Written apply(String taskId, TaskReport... reports) {
    int before = session.persistenceTestKit().persistedInStorage(persistenceId()).size();
    session.runCommand(new ApplyReports(taskId, List.of(reports)));
    var flushed = session.runCommand(new FlushReports());
    List<Object> all = session.persistenceTestKit().persistedInStorage(persistenceId());
    List<SessionEvent> events = all.subList(before, all.size()).stream().map(e -> (SessionEvent) e).toList();
    return new Written(events, flushed.state());
  }

  private static ReportApplied appliedOf(Written result) {
    return (ReportApplied) result.event();
  }

  private static List<String> grantsOf(Written result) {
    return appliedOf(result).grants();
  }

  private static TaskReport dispatchReport(int priority, boolean notifyFinal) {
    return new TaskReport(1, ReportKind.DISPATCHED, TaskStatus.PENDING, false, AT, "a task", priority, notifyFinal,
        0, null, null, null, null, null);
  }

  private static TaskReport report(long seq, ReportKind kind, TaskStatus status, boolean holdsSlot) {
    return new TaskReport(seq, kind, status, holdsSlot, AT, "a task", 0, true, 1, null, null, null,
        kind == ReportKind.REQUEUED ? new TaskError(ErrorType.EXIT, "exit code 1") : null, null);
  }

  private static TaskReport finalReport(long seq, ReportKind kind, boolean notifyFinal) {
    TaskStatus status = switch (kind) {
      case COMPLETED -> TaskStatus.COMPLETED;
      case FAILED -> TaskStatus.FAILED;
      default -> TaskStatus.CANCELLED;
    };
    return new TaskReport(seq, kind, status, false, AT, "a task", 0, notifyFinal, 1, null, null,
        kind == ReportKind.COMPLETED ? JSON.createObjectNode().put("text", "done") : null,
        kind == ReportKind.FAILED ? new TaskError(ErrorType.EXIT, "exit code 2") : null,
        JSON.createObjectNode().put("why", "test"));
  }

  /** The task is told to start (confirmations of its reports may come first). */
  private static void expectStart(TestProbe<TaskCommand> task) {
    task.fishForMessage(Duration.ofSeconds(3), "a start grant", message -> {
      if (message instanceof TaskCommand.StartAttempt) return FishingOutcomes.complete();
      if (message instanceof TaskCommand.ConfirmReports) return FishingOutcomes.continueAndIgnore();
      return FishingOutcomes.fail("unexpected " + message);
    });
  }
}
