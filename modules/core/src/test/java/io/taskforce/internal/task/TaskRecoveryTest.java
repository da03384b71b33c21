package io.taskforce.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.api.ErrorType;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.task.TaskCommand.*;
import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * A task across the end of its incarnation: hand-off on shutdown, recovery with a lost attempt, and
 * the reports and confirmations that carry it through.
 */
class TaskRecoveryTest extends TaskEntityFixture {

  // ============================================================================================
  // Hand-off and recovery

  @Test
  void handOffOfARunningTaskInterruptsTheAttemptWithoutCountingIt() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    ActorRef<TaskCommand> entity = entityRef;
    entity.tell(new HandOff());
    session.expectTerminated(entity, WAIT);
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    assertInstanceOf(AttemptInterrupted.class, lastEvent());
    // Not remembered: it woke itself where its shard went.
    assertEquals(new ConfirmReports(0), selfAddressed.expectMessageClass(ConfirmReports.class));

    var recovered = assertInstanceOf(PendingTask.class, task.restart().state());
    assertEquals(0, recovered.core().attempt());
    assertNull(recovered.notBefore());
    TaskReport requeued = awaitReport(ReportKind.REQUEUED);
    assertEquals(TaskStatus.PENDING, requeued.status());
    assertFalse(requeued.holdsSlot());
    assertNull(requeued.error());
    confirm(requeued.seq());

    // The re-run keeps the attempt's number.
    Attempt rerun = start(1);
    assertEquals(1, rerun.context.attempt());
  }

  @Test
  void handOffOfATaskPausedWhileRunningInterruptsTheAttemptAndLeavesItPaused() throws Exception {
    dispatch(plainSpec());
    Attempt attempt = start(1);
    pause();
    ActorRef<TaskCommand> entity = entityRef;
    entity.tell(new HandOff());
    session.expectTerminated(entity, WAIT);
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    assertInstanceOf(AttemptInterrupted.class, lastEvent());
    assertEquals(new ConfirmReports(0), selfAddressed.expectMessageClass(ConfirmReports.class));

    var paused = assertInstanceOf(PausedTask.class, task.restart().state());
    assertEquals(TaskStatus.PENDING, paused.from());
    assertEquals(0, paused.core().attempt());
    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    assertEquals(new Resumed(false, ((Resumed) resumed.event()).at()), resumed.event());
    assertEquals(TaskStatus.PENDING, resumed.replyOfType(TaskReply.View.class).task().status());
  }

  @Test
  void handOffOfAPendingTaskStopsItWithoutPersisting() {
    dispatch(plainSpec());
    task.runCommand(new StartAttempt());
    ActorRef<TaskCommand> entity = slots.expectMessageClass(NodeSlots.Acquire.class).task();
    entity.tell(new HandOff());
    session.expectTerminated(entity, WAIT);
    assertEquals(new ConfirmReports(0), selfAddressed.expectMessageClass(ConfirmReports.class));
    assertEquals(1, task.persistenceTestKit().persistedInStorage(persistenceId()).size());
    assertInstanceOf(PendingTask.class, task.restart().state());
  }

  @Test
  void recoveredRunningTaskWithoutItsRunnerFailsWithNodeLostWhenNoAttemptsRemain() throws Exception {
    dispatch(plainSpec()); // maxAttempts 1, retryOn [node-lost]
    Attempt attempt = start(1);
    task.restart();
    // The old incarnation's attempt does not go on.
    assertTrue(attempt.cancelled.get(5, TimeUnit.SECONDS));
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals(ErrorType.NODE_LOST, failed.error().type());
    assertEquals("the node running attempt 1 was lost", failed.error().message());
    var state = assertInstanceOf(FailedTask.class, task.getState());
    assertEquals(1, state.core().attempt());
  }

  @Test
  void recoveredRunningTaskGoesBackToPendingWhenNodeLostIsRetriedAndAttemptsRemain() throws Exception {
    dispatch(plainSpec().withRetries(2, Set.of(ErrorType.NODE_LOST)));
    start(1);
    task.restart();
    TaskReport requeued = awaitReport(ReportKind.REQUEUED);
    confirm(requeued.seq());
    assertEquals(ErrorType.NODE_LOST, requeued.error().type());
    var pending = assertInstanceOf(PendingTask.class, task.getState());
    assertEquals(1, pending.core().attempt());
    assertEquals(2, start(2).context.attempt());
  }

  @Test
  void recoveredInputRequiredTaskLosesItsAttemptLikeARunningOne() {
    dispatch(askingSpec());
    start(1);
    confirm(awaitReport(ReportKind.INPUT_REQUIRED).seq());
    task.restart();
    TaskReport failed = awaitReport(ReportKind.FAILED);
    assertEquals(ErrorType.NODE_LOST, failed.error().type());
  }

  @Test
  void recoveredPausedTaskStaysPausedAndFailsWithNodeLostWhenResumedWithoutAttemptsLeft() throws Exception {
    bringTo(From.PAUSED_FROM_RUNNING);
    assertInstanceOf(PausedTask.class, task.restart().state());
    var get = task.<TaskReply>runCommand(TaskCommand.Get::new);
    assertEquals(TaskStatus.PAUSED, get.replyOfType(TaskReply.View.class).task().status());
    assertTrue(get.hasNoEvents());
    assertInstanceOf(PausedTask.class, get.state());

    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    var failed = assertInstanceOf(Failed.class, resumed.event());
    assertEquals(ErrorType.NODE_LOST, failed.error().type());
    assertEquals("attempt 1 was lost while the task was paused", failed.error().message());
    assertEquals(TaskStatus.FAILED, resumed.replyOfType(TaskReply.View.class).task().status());
  }

  @Test
  void recoveredPausedTaskResumesToPendingWhenItsLostAttemptMayBeRetried() throws Exception {
    dispatch(plainSpec().withRetries(2, Set.of(ErrorType.NODE_LOST)));
    start(1);
    pause();
    assertInstanceOf(PausedTask.class, task.restart().state());
    var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
    assertEquals(new Resumed(true, ((Resumed) resumed.event()).at()), resumed.event());
    assertEquals(TaskStatus.PENDING, resumed.replyOfType(TaskReply.View.class).task().status());
    assertEquals(1, ((PendingTask) resumed.state()).core().attempt());
  }

  @Test
  void reportsAreRetoldToTheSessionAfterARestartAndARepeatedConfirmationIsHarmless() {
    dispatch(plainSpec());
    pause();
    // Confirmations of the few reports made so far were not written down: all are retold.
    task.restart();
    var retold = session.expectMessageClass(SessionCommand.ApplyReports.class);
    assertEquals(List.of(1L, 2L), retold.reports().stream().map(TaskReport::seq).toList());
    assertEquals(List.of(ReportKind.DISPATCHED, ReportKind.PAUSED),
        retold.reports().stream().map(TaskReport::kind).toList());

    assertTrue(task.runCommand(new ConfirmReports(2)).hasNoEvents());
    assertTrue(task.runCommand(new ConfirmReports(2)).hasNoEvents());
    assertTrue(task.runCommand(new ConfirmReports(1)).hasNoEvents());
    dispatcher.expectNoMessage(Duration.ofMillis(50));
    session.expectNoMessage(Duration.ofMillis(50));
    assertInstanceOf(PausedTask.class, task.getState());
  }

  @Test
  void confirmationsAreWrittenDownOnlyOnceManyReportsPileUp() {
    dispatch(plainSpec()); // report 1, confirmed
    for (int i = 0; i < 4; i++) {
      pause();
      var resumed = task.<TaskReply>runCommand(TaskCommand.Resume::new);
      assertEquals(TaskStatus.PENDING, resumed.replyOfType(TaskReply.View.class).task().status());
      long seq = awaitReport(ReportKind.RESUMED).seq();
      var confirmation = task.runCommand(new ConfirmReports(seq));
      if (seq <= TaskEntity.MAX_UNCONFIRMED) {
        assertTrue(confirmation.hasNoEvents(), "report " + seq);
      } else {
        assertEquals(List.of(new ReportsConfirmed(seq, ((ReportsConfirmed) confirmation.event()).at())),
            confirmation.events());
        assertTrue(((CreatedTask) confirmation.state()).core().outbox().unconfirmed().isEmpty());
      }
    }

    // With every report confirmed and written down, a restarted task has nothing to retell; woken by
    // its session, it answers all the same (the session wakes its tasks a window at a time).
    task.restart();
    session.expectNoMessage(Duration.ofMillis(50));
    task.runCommand(new TaskCommand.Wake(9));
    assertEquals(new SessionCommand.ApplyReports(taskId, List.of()),
        session.expectMessageClass(SessionCommand.ApplyReports.class));
  }

  @Test
  void finalTaskWhoseFinalReportIsConfirmedWritesItDownLetsItsSessionGoAndPassivates() throws Exception {
    bringTo(From.COMPLETED);
    long finalSeq = ((CompletedTask) task.getState()).core().outbox().lastSeq();
    assertEquals(3, finalSeq);

    var confirmed = task.runCommand(new ConfirmReports(finalSeq));
    assertEquals(finalSeq, assertInstanceOf(ReportsConfirmed.class, confirmed.event()).upTo());
    assertEquals(1, confirmed.events().size());
    assertTrue(((CompletedTask) confirmed.state()).core().outbox().finalConfirmed());
    assertEquals(new SessionCommand.ForgetTask(taskId), session.expectMessageClass(SessionCommand.ForgetTask.class));
    shard.expectMessageClass(ClusterSharding.Passivate.class);

    // A repeat changes nothing but asks again to be forgotten and stopped.
    assertTrue(task.runCommand(new ConfirmReports(finalSeq)).hasNoEvents());
    session.expectMessageClass(SessionCommand.ForgetTask.class);
    shard.expectMessageClass(ClusterSharding.Passivate.class);
    // Still queryable, and a repeated dispatch still finds it.
    var again = task.<TaskReply>runCommand(replyTo -> new Create(data(spec), replyTo));
    assertTrue(again.replyOfType(TaskReply.View.class).repeated());
  }

  @Test
  void recoveredConfirmedFinalTaskTellsNothingAndStopsWhenIdle() throws Exception {
    bringTo(From.FAILED);
    task.runCommand(new ConfirmReports(3));
    session.expectMessageClass(SessionCommand.ForgetTask.class);
    shard.expectMessageClass(ClusterSharding.Passivate.class);

    assertInstanceOf(FailedTask.class, task.restart().state());
    shard.expectMessageClass(ClusterSharding.Passivate.class, WAIT);
    session.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void recoveredFinalTaskRetellsItsUnconfirmedFinalReport() throws Exception {
    bringTo(From.CANCELLED);
    task.restart();
    var retold = session.expectMessageClass(SessionCommand.ApplyReports.class);
    TaskReport last = retold.reports().get(retold.reports().size() - 1);
    assertEquals(ReportKind.CANCELLED, last.kind());
    task.runCommand(new ConfirmReports(last.seq()));
    session.expectMessageClass(SessionCommand.ForgetTask.class);
  }
}
