package io.taskforce.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.TaskforceSettings;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.Refusal;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.task.TaskCommand.*;
import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;
import io.taskforce.spi.TaskFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * The task entity from dispatch to its end: the dispatch and its confirmation, the session's grant
 * and the node's slot, the attempt (pause, resume, questions, answers, progress, output), and how an
 * attempt ends (result, failure, retry, timeout, cancel).
 */
class TaskEntityTest extends TaskEntityFixture {

  // ============================================================================================
  // Dispatch

  @Test
  void createIsAnsweredOnceCreatedIsWrittenAndTheTaskRegistersWithItsSession() {
    spec = plainSpec();
    var created = task.runCommand(new Create(data(spec), dispatcher.ref()));
    assertEquals(List.of(new Created(data(spec), ((Created) created.event()).at())), created.events());
    assertInstanceOf(PendingTask.class, created.state());
    var view = dispatcher.expectMessageClass(TaskReply.View.class);
    assertEquals(TaskStatus.PENDING, view.task().status());
    assertEquals(taskId, view.task().id());
    assertEquals(SESSION, view.task().sessionId());
    assertFalse(view.repeated());

    var apply = session.expectMessageClass(SessionCommand.ApplyReports.class);
    assertEquals(taskId, apply.taskId());
    assertEquals(1, apply.reports().size());
    TaskReport dispatched = apply.reports().get(0);
    assertEquals(1, dispatched.seq());
    assertEquals(ReportKind.DISPATCHED, dispatched.kind());
    assertEquals(TaskStatus.PENDING, dispatched.status());
    assertFalse(dispatched.holdsSlot());
    assertEquals(List.of(EntityIds.of(TENANT, SESSION)), sessionsAddressed);
  }

  @Test
  void unconfirmedReportsAreRetoldUntilConfirmedAtIntervalsThatDoubleUpToTheirMaximum() {
    spec = plainSpec();
    task.runCommand(new Create(data(spec), dispatcher.ref()));
    var first = session.expectMessageClass(SessionCommand.ApplyReports.class);
    task.runCommand(new RetellReports());
    assertEquals(first, session.expectMessageClass(SessionCommand.ApplyReports.class));
    task.runCommand(new ConfirmReports(first.reports().get(0).seq()));
    task.runCommand(new RetellReports());
    session.expectNoMessage(Duration.ofMillis(200));

    // What a slow session costs: 2 s, 4 s, 8 s, then every 10 s (reference.conf), not every 2 s.
    var defaults = TaskforceSettings.from(com.typesafe.config.ConfigFactory.load());
    assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(10),
            Duration.ofSeconds(10)),
        java.util.stream.IntStream.range(0, 5).mapToObj(defaults::taskRetellDelay).toList());
  }

  @Test
  void aWokenTaskAnswersItsSessionWithItsUnconfirmedReportsNoneIfThereAreNone() {
    dispatch(plainSpec()); // report 1, confirmed
    task.runCommand(new Wake(1));
    assertEquals(new SessionCommand.ApplyReports(taskId, List.of()), session.expectMessageClass(SessionCommand.ApplyReports.class));

    pause(); // report 2, confirmed
    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    assertEquals(TaskStatus.PENDING, resumed.replyOfType(TaskReply.View.class).task().status());
    TaskReport resumedReport = awaitReport(ReportKind.RESUMED);
    task.runCommand(new Wake(2)); // the session has not applied report 3 yet
    assertEquals(new SessionCommand.ApplyReports(taskId, List.of(resumedReport)),
        session.expectMessageClass(SessionCommand.ApplyReports.class));
  }

  @Test
  void repeatedCreateIsAnsweredAsARepeatAndPersistsOnce() {
    spec = plainSpec();
    task.runCommand(new Create(data(spec), dispatcher.ref()));
    session.expectMessageClass(SessionCommand.ApplyReports.class);

    TestProbe<TaskReply> second = testKit.createTestProbe(TaskReply.class);
    var again = task.runCommand(new Create(data(spec), second.ref()));
    assertTrue(again.hasNoEvents());
    var repeat = second.expectMessageClass(TaskReply.View.class);
    assertTrue(repeat.repeated());
    assertEquals(TaskStatus.PENDING, repeat.task().status());
    assertEquals(1, task.persistenceTestKit().persistedInStorage(persistenceId()).size());
  }

  @Test
  void createForAnotherEntitysIdIsRefusedAndPersistsNothing() {
    spec = plainSpec();
    var otherId = new TaskData(TENANT, "not-" + taskId, SESSION, spec, CREATED_AT);
    var result = task.<TaskReply>runCommand(replyTo -> new Create(otherId, replyTo));
    assertEquals(new TaskReply.Refused(Refusal.CONFLICT, "task id mismatch"), result.reply());
    assertTrue(result.hasNoEvents());
    assertInstanceOf(EmptyTask.class, result.state());
  }

  @Test
  void createWithAnotherSessionIsRefusedWithConflict() {
    dispatch(plainSpec());
    var otherSession = new TaskData(TENANT, taskId, "s2", spec, CREATED_AT);
    var result = task.<TaskReply>runCommand(replyTo -> new Create(otherSession, replyTo));
    var refused = result.replyOfType(TaskReply.Refused.class);
    assertEquals(Refusal.CONFLICT, refused.reason());
    assertEquals("task " + taskId + " exists with another spec or session", refused.message());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void unknownTaskAnswersNotFoundPersistsNothingAndPassivates() {
    var result = task.<TaskReply>runCommand(TaskCommand.Get::new);
    var refused = result.replyOfType(TaskReply.Refused.class);
    assertEquals(Refusal.NOT_FOUND, refused.reason());
    assertEquals("no task " + taskId, refused.message());
    assertTrue(result.hasNoEvents());
    shard.expectMessageClass(ClusterSharding.Passivate.class);

    // Every request is answered, even by a task that does not exist.
    for (var request : List.<java.util.function.Function<ActorRef<TaskReply>, TaskCommand>>of(
        TaskCommand.Pause::new, TaskCommand.Resume::new, r -> new Cancel(null, r), r -> new Answer("x", r),
        TaskCommand.AwaitFinished::new, r -> new GetOutput(0, 100, r))) {
      var answer = task.<TaskReply>runCommand(request::apply);
      assertEquals(Refusal.NOT_FOUND, answer.replyOfType(TaskReply.Refused.class).reason());
      assertTrue(answer.hasNoEvents());
    }
  }

  @Test
  void messageOtherThanARequestForAnUnknownTaskPersistsNothingAndPassivates() {
    var result = task.runCommand(new StartAttempt());
    assertTrue(result.hasNoEvents());
    assertInstanceOf(EmptyTask.class, result.state());
    shard.expectMessageClass(ClusterSharding.Passivate.class);
    slots.expectNoMessage(Duration.ofMillis(100));
  }

  // ============================================================================================
  // Starting

  @Test
  void pendingTaskAsksForANodeSlotOnlyOnceItsSessionGrantsAStart() {
    dispatch(plainSpec().withPriority(7));
    // A slot that arrives without the session's grant is given back, and nothing starts.
    assertTrue(task.runCommand(new NodeSlotGranted(slots.ref(), 1L)).hasNoEvents());
    slots.expectMessageClass(NodeSlots.Release.class);
    assertInstanceOf(PendingTask.class, task.getState());

    assertTrue(task.runCommand(new StartAttempt()).hasNoEvents());
    var acquire = slots.expectMessageClass(NodeSlots.Acquire.class);
    assertEquals(7, acquire.priority());
    assertEquals(CREATED_AT.toEpochMilli(), acquire.createdAtMillis());
    // A retold grant does not ask twice.
    assertTrue(task.runCommand(new StartAttempt()).hasNoEvents());
    slots.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void grantedSlotStartsAnAttemptOfTheRegisteredExecutor() throws Exception {
    dispatch(plainSpec());
    task.runCommand(new StartAttempt());
    slots.expectMessageClass(NodeSlots.Acquire.class);
    var result = task.runCommand(new NodeSlotGranted(slots.ref(), 1L));
    var started = assertInstanceOf(Started.class, result.event());
    assertEquals(1, started.attempt());
    var running = assertInstanceOf(RunningTask.class, result.state());
    assertEquals(1, running.core().attempt());
    assertEquals(started.at(), running.core().startedAt());

    TaskReport report = awaitReport(ReportKind.STARTED);
    assertEquals(2, report.seq());
    assertEquals(TaskStatus.RUNNING, report.status());
    assertTrue(report.holdsSlot());
    assertEquals(1, report.attempt());

    Attempt attempt = nextAttempt();
    assertEquals(1, attempt.context.attempt());
    assertEquals(taskId, attempt.context.taskId());
    assertEquals(SESSION, attempt.context.sessionId());
    assertEquals(TENANT, attempt.context.tenant());
    assertEquals(spec, attempt.context.spec());
  }

  @Test
  void attemptOfAnUnregisteredExecutorFailsWithTypeExecutor() {
    dispatch(TaskSpec.of("nobody-registered-this", null));
    task.runCommand(new StartAttempt());
    slots.expectMessageClass(NodeSlots.Acquire.class);
    task.runCommand(new NodeSlotGranted(slots.ref(), 1L));
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    assertEquals("no executor named 'nobody-registered-this' on this node", failed.error().message());
    slots.expectMessageClass(NodeSlots.Release.class);
  }

  // ============================================================================================
  // Running, pausing, asking, answering, ending

  @Test
  void pauseAndResumeReachTheRunningAttempt() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    pause();
    assertTrue(attempt.paused.get(5, TimeUnit.SECONDS));
    assertTrue(attempt.context.isPaused());
    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    assertEquals(TaskStatus.RUNNING, resumed.replyOfType(TaskReply.View.class).task().status());
    assertTrue(attempt.resumed.get(5, TimeUnit.SECONDS));
    assertFalse(attempt.context.isPaused());
    TaskReport report = awaitReport(ReportKind.RESUMED);
    assertTrue(report.holdsSlot());
    assertEquals(TaskStatus.RUNNING, report.status());
  }

  @Test
  void pausingAPendingTaskGivesUpItsPlaceInTheNodeQueue() {
    dispatch(plainSpec());
    task.runCommand(new StartAttempt());
    slots.expectMessageClass(NodeSlots.Acquire.class);
    pause();
    slots.expectMessageClass(NodeSlots.Release.class);
    // Its grant is gone: a slot that arrives now is given back.
    assertTrue(task.runCommand(new NodeSlotGranted(slots.ref(), 1L)).hasNoEvents());
    assertInstanceOf(PausedTask.class, task.getState());
  }

  @Test
  void questionOfTheAttemptMakesTheTaskInputRequiredAndTheAnswerReachesIt() throws Exception {
    dispatch(askingSpec());
    Attempt attempt = start(1);
    TaskReport asked = awaitReport(ReportKind.INPUT_REQUIRED);
    confirm(asked.seq());
    assertEquals("which branch?", asked.question());
    assertTrue(asked.holdsSlot());
    var waiting = assertInstanceOf(InputRequiredTask.class, task.getState());
    assertEquals("which branch?", waiting.question());
    var view = task.<TaskReply>runCommand(TaskCommand.Get::new).replyOfType(TaskReply.View.class);
    assertEquals("which branch?", view.task().question());

    var answered = task.<TaskReply>runCommand(replyTo -> new Answer("main", replyTo));
    assertInstanceOf(Answered.class, answered.event());
    assertEquals(TaskStatus.RUNNING, answered.replyOfType(TaskReply.View.class).task().status());
    assertNull(answered.replyOfType(TaskReply.View.class).task().question());
    assertEquals("main", attempt.answer.toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(ReportKind.ANSWERED, awaitReport(ReportKind.ANSWERED).kind());
  }

  @Test
  void resumedInputRequiredTaskKeepsItsQuestion() throws Exception {
    bringTo(From.PAUSED_FROM_INPUT_REQUIRED);
    var paused = assertInstanceOf(PausedTask.class, task.getState());
    assertEquals("which branch?", paused.question());
    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    var view = resumed.replyOfType(TaskReply.View.class);
    assertEquals(TaskStatus.INPUT_REQUIRED, view.task().status());
    assertEquals("which branch?", view.task().question());
    assertEquals("which branch?", awaitReport(ReportKind.RESUMED).question());
  }

  @Test
  void attemptThatSucceedsCompletesTheTaskWithItsResultAndFreesTheSlot() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    TestProbe<TaskReply> waiter = testKit.createTestProbe(TaskReply.class);
    assertTrue(task.runCommand(new AwaitFinished(waiter.ref())).hasNoEvents());
    waiter.expectNoMessage(Duration.ofMillis(50));

    JsonNode result = JSON.createObjectNode().put("summary", "done").set("files", JSON.createArrayNode().add("a.java"));
    attempt.context.output("line one\n");
    attempt.result.complete(result);

    TaskReport completed = awaitReport(ReportKind.COMPLETED);
    assertEquals(result, completed.result());
    assertEquals(JSON.createObjectNode().put("why", "test"), completed.context());
    var done = waiter.expectMessageClass(TaskReply.View.class);
    assertEquals(TaskStatus.COMPLETED, done.task().status());
    assertEquals(result, done.task().result());
    assertTrue(done.task().finishedAt() != null);
    slots.expectMessageClass(NodeSlots.Release.class);
    var state = assertInstanceOf(CompletedTask.class, task.getState());
    assertEquals("line one\n", new String(state.output().bytes(), java.nio.charset.StandardCharsets.UTF_8));
    // A finished task answers AwaitFinished at once.
    var again = task.<TaskReply>runCommand(TaskCommand.AwaitFinished::new);
    assertEquals(TaskStatus.COMPLETED, again.replyOfType(TaskReply.View.class).task().status());
  }

  @Test
  void attemptThatSucceedsWhileItsTaskIsPausedCompletesTheTask() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    pause();
    attempt.result.complete(JSON.createObjectNode().put("summary", "done anyway"));
    TaskReport completed = awaitReport(ReportKind.COMPLETED);
    assertEquals(TaskStatus.COMPLETED, completed.status());
    assertInstanceOf(CompletedTask.class, task.getState());
  }

  @Test
  void attemptThatFailsWhileItsTaskIsPausedWaitsPausedForItsRetry() throws Exception {
    dispatch(plainSpec().withRetries(2, Set.of(ErrorType.EXIT)));
    Attempt attempt = start(1);
    pause();
    attempt.result.completeExceptionally(new TaskFailure(ErrorType.EXIT, "exit code 3"));
    TaskReport requeued = awaitReport(ReportKind.REQUEUED);
    confirm(requeued.seq());
    assertEquals(TaskStatus.PAUSED, requeued.status());
    assertFalse(requeued.holdsSlot());
    var paused = assertInstanceOf(PausedTask.class, task.getState());
    assertEquals(TaskStatus.PENDING, paused.from());
    assertEquals(((AttemptFailed) lastEvent()).retryAt(), paused.notBefore());
    slots.expectMessageClass(NodeSlots.Release.class);

    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    assertEquals(TaskStatus.PENDING, resumed.replyOfType(TaskReply.View.class).task().status());
    assertEquals(paused.notBefore(), ((PendingTask) resumed.state()).notBefore());
    assertEquals(2, start(2).context.attempt());
  }

  @Test
  void outputOfAFinishedTaskIsReadableAfterARestart() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    attempt.context.output("hello ");
    attempt.context.output("world\n");
    var live = task.<TaskReply>runCommand(replyTo -> new GetOutput(0, 100, replyTo));
    assertEquals("hello world\n", live.replyOfType(TaskReply.Output.class).chunk().data());
    attempt.result.complete(JSON.createObjectNode());
    awaitReport(ReportKind.COMPLETED);

    task.restart();
    var chunk = task.<TaskReply>runCommand(replyTo -> new GetOutput(6, 100, replyTo))
        .replyOfType(TaskReply.Output.class).chunk();
    assertEquals("world\n", chunk.data());
    assertEquals(6, chunk.offset());
    assertEquals(12, chunk.nextOffset());
    assertFalse(chunk.truncated());
  }

  @Test
  void cancellingARunningTaskStopsItsAttemptAndFreesTheNodeSlot() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    var result = task.<TaskReply>runCommand(replyTo -> new Cancel("no longer needed", replyTo));
    var cancelled = assertInstanceOf(Cancelled.class, result.event());
    assertEquals("no longer needed", cancelled.reason());
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    slots.expectMessageClass(NodeSlots.Release.class);
    var report = awaitReport(ReportKind.CANCELLED);
    assertFalse(report.holdsSlot());
    assertEquals(JSON.createObjectNode().put("why", "test"), report.context());
  }

  @Test
  void sessionClosingCancelsItsUnfinishedTask() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    var result = task.runCommand(new CancelForSession("session closed"));
    assertEquals("session closed", assertInstanceOf(Cancelled.class, result.event()).reason());
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    // Retold by the session: a final task ignores it.
    assertTrue(task.runCommand(new CancelForSession("session closed")).hasNoEvents());
  }

  @Test
  void progressIsPublishedLiveAndItsLatestValueIsWrittenWithTheFinalEvent() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    attempt.context.progress(40, "half way");
    var publish = topics.expectMessageClass(FeedTopics.Publish.class);
    assertEquals(EntityIds.of(TENANT, SESSION), publish.sessionKey());
    assertEquals(FeedEventType.PROGRESS, publish.event().type());
    assertNull(publish.event().seq());
    assertEquals(40, publish.event().progress().percent());
    // The first tick is written at once; the next ones at most once per interval (an hour here).
    var view = task.<TaskReply>runCommand(TaskCommand.Get::new).replyOfType(TaskReply.View.class);
    assertEquals(40, view.task().progress().percent());

    attempt.context.progress(70, "nearly");
    assertEquals(70, topics.expectMessageClass(FeedTopics.Publish.class).event().progress().percent());
    var live = task.<TaskReply>runCommand(TaskCommand.Get::new);
    assertTrue(live.hasNoEvents());
    assertEquals(70, live.replyOfType(TaskReply.View.class).task().progress().percent());

    attempt.result.complete(JSON.createObjectNode());
    awaitReport(ReportKind.COMPLETED);
    List<Object> events = task.persistenceTestKit().persistedInStorage(persistenceId());
    List<String> kinds = events.stream().map(e -> e.getClass().getSimpleName()).toList();
    assertEquals(List.of("Created", "Started", "ProgressRecorded", "ProgressRecorded", "Completed"), kinds);
    assertEquals(70, ((ProgressRecorded) events.get(3)).progress().percent());
    assertEquals(70, ((CompletedTask) task.getState()).core().progress().percent());
  }

  // ============================================================================================
  // Retries and timeouts

  @Test
  void failedAttemptOfARetriedTypeWithAttemptsLeftGoesBackToPendingUntilItsRetryTime() throws Exception {
    dispatch(plainSpec().withRetries(2, Set.of(ErrorType.EXIT)));
    start(1).result.completeExceptionally(new TaskFailure(ErrorType.EXIT, "exit code 1"));

    TaskReport requeued = awaitReport(ReportKind.REQUEUED);
    confirm(requeued.seq());
    assertEquals(TaskStatus.PENDING, requeued.status());
    assertFalse(requeued.holdsSlot());
    assertEquals(ErrorType.EXIT, requeued.error().type());
    slots.expectMessageClass(NodeSlots.Release.class);
    List<Object> events = task.persistenceTestKit().persistedInStorage(persistenceId());
    var failedAttempt = assertInstanceOf(AttemptFailed.class, events.get(events.size() - 1));
    assertEquals(failedAttempt.at().plus(settings.retryBackoff(1)), failedAttempt.retryAt());
    var pending = assertInstanceOf(PendingTask.class, task.getState());
    assertEquals(failedAttempt.retryAt(), pending.notBefore());
    assertEquals(1, pending.core().attempt());

    // The second attempt waits for the retry time, then for a slot.
    Attempt second = start(2);
    assertTrue(Instant.now().compareTo(failedAttempt.retryAt()) >= 0);
    assertEquals(2, second.context.attempt());
    second.result.completeExceptionally(new TaskFailure(ErrorType.EXIT, "exit code 1 again"));
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals("exit code 1 again", failed.error().message());
    var state = assertInstanceOf(FailedTask.class, task.getState());
    assertEquals(2, state.core().attempt());
  }

  @Test
  void failedAttemptOfATypeNotInRetryOnFailsTheTaskEvenWithAttemptsLeft() {
    dispatch(plainSpec().withRetries(3, Set.of(ErrorType.TIMEOUT)));
    start(1).result.completeExceptionally(new IllegalStateException("boom"));
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    assertEquals("boom", failed.error().message());
    assertInstanceOf(Failed.class, lastEvent());
  }

  @Test
  void attemptRunningLongerThanItsTimeoutFailsWithTypeTimeout() throws Exception {
    dispatch(plainSpec().withTimeoutSeconds(1));
    Attempt attempt = start(1);
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals(ErrorType.TIMEOUT, failed.error().type());
    assertEquals("attempt 1 ran longer than 1 s", failed.error().message());
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    slots.expectMessageClass(NodeSlots.Release.class);
  }

  @Test
  void timeWaitingForAnAnswerDoesNotCountTowardsTheTimeout() throws Exception {
    dispatch(askingSpec().withTimeoutSeconds(1).withRetries(2, Set.of(ErrorType.TIMEOUT)));
    Attempt attempt = start(1);
    confirm(awaitReport(ReportKind.INPUT_REQUIRED).seq());
    session.expectNoMessage(Duration.ofMillis(1300));
    assertInstanceOf(InputRequiredTask.class, task.getState());

    task.<TaskReply>runCommand(replyTo -> new Answer("main", replyTo));
    confirm(awaitReport(ReportKind.ANSWERED).seq());
    // Running again, with a second to go: then it times out, and timeout is retried.
    TaskReport requeued = awaitReport(ReportKind.REQUEUED);
    assertEquals(ErrorType.TIMEOUT, requeued.error().type());
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    assertInstanceOf(AttemptFailed.class, lastEvent());
  }
}
