package io.taskforce.contract;

import static io.taskforce.testing.TestExecutors.input;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import io.taskforce.api.*;
import io.taskforce.testing.TestExecutors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The facade's contract, run against each journal (H2 embedded, PostgreSQL). One node per class;
 * each test uses sessions and executor names of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TaskforceContract {
  static final String TENANT = "default";
  static final Duration DEADLINE = Duration.ofSeconds(20);

  protected ActorSystem<Void> system;
  protected ActorTestKit testKit;
  protected Taskforce tf;

  /** The node's configuration: the journal under test, with {@code taskforce.node.max-running = 3}. */
  protected abstract Config config();

  protected void afterStop() {}

  @BeforeAll
  void startNode() {
    system = ActorSystem.create(Behaviors.empty(), "contract", config().resolve());
    testKit = ActorTestKit.create(system);
    tf = Taskforce.builder(system).executors(TestExecutors.registry()).start().toCompletableFuture().join();
  }

  @AfterAll
  void stopNode() {
    ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    afterStop();
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within " + DEADLINE, e);
    }
  }

  static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }

  TaskView dispatch(String session, TaskSpec spec) {
    return await(tf.dispatch(TENANT, session, spec)).task();
  }

  TaskView awaitStatus(String taskId, TaskStatus status) {
    TestProbe<Object> probe = testKit.createTestProbe();
    return probe.awaitAssert(DEADLINE, Duration.ofMillis(50), () -> {
      TaskView task = await(tf.task(TENANT, taskId));
      assertEquals(status, task.status(), () -> "task " + taskId + ": " + task);
      return task;
    });
  }

  <T> T eventually(Supplier<T> check) {
    TestProbe<Object> probe = testKit.createTestProbe();
    return probe.awaitAssert(DEADLINE, Duration.ofMillis(100), check::get);
  }

  static TaskSpec gate(String name) {
    return TaskSpec.of("gate", input("gate", name)).withTitle("gate " + name);
  }

  /** Collects a session's feed events into a list, from {@code after}. */
  List<FeedEvent> collect(String session, long after) {
    List<FeedEvent> events = Collections.synchronizedList(new ArrayList<>());
    tf.subscribe(TENANT, session, after, events::add);
    return events;
  }

  // ------------------------------------------------------------------------------------------

  @Test
  void dispatchAnswersBeforeTheTaskRunsAndTheTaskIsStoredAlready() {
    String session = unique("s");
    String gateName = unique("g");
    TaskView task = dispatch(session, gate(gateName));
    assertNotNull(task.id());
    assertEquals(session, task.sessionId());
    assertTrue(task.status() == TaskStatus.PENDING || task.status() == TaskStatus.RUNNING);
    assertFalse(TestExecutors.gate(gateName).isDone());
    assertEquals(task.id(), await(tf.task(TENANT, task.id())).id());

    await(TestExecutors.gateStarted(gateName));
    awaitStatus(task.id(), TaskStatus.RUNNING);
    TestExecutors.gate(gateName).complete(input("done", true));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals(true, done.result().path("done").asBoolean());
    assertEquals(1, done.attempt());
    assertNotNull(done.startedAt());
    assertNotNull(done.finishedAt());
  }

  @Test
  void awaitResultWaitsForTheEndOrAnswersTheTaskAsItIs() {
    String session = unique("s");
    String gateName = unique("g");
    TaskView task = dispatch(session, gate(gateName));
    TaskView early = await(tf.awaitResult(TENANT, task.id(), Duration.ofMillis(300)));
    assertFalse(early.status().isFinal());

    var waiting = tf.awaitResult(TENANT, task.id(), Duration.ofSeconds(15));
    await(TestExecutors.gateStarted(gateName));
    TestExecutors.gate(gateName).complete(input("answer", 42));
    TaskView finished = await(waiting);
    assertEquals(TaskStatus.COMPLETED, finished.status());
    assertEquals(42, finished.result().path("answer").asInt());
  }

  @Test
  void feedNumbersEveryDurableChangeInOrderAndReplaysAfterASeq() {
    String session = unique("s");
    List<FeedEvent> live = collect(session, 0);
    TaskView task = dispatch(session, TaskSpec.of("echo", input("x", 1))
        .withContext(input("askedBy", "main session")));
    awaitStatus(task.id(), TaskStatus.COMPLETED);

    List<FeedEvent> durable = eventually(() -> {
      List<FeedEvent> seen;
      synchronized (live) {
        seen = live.stream().filter(FeedEvent::durable).toList();
      }
      assertEquals(3, seen.size(), () -> "events: " + seen);
      return seen;
    });
    assertEquals(List.of(FeedEventType.DISPATCHED, FeedEventType.STARTED, FeedEventType.COMPLETED),
        durable.stream().map(FeedEvent::type).toList());
    assertEquals(List.of(1L, 2L, 3L), durable.stream().map(FeedEvent::seq).toList());
    FeedEvent completed = durable.get(2);
    assertEquals("main session", completed.context().path("askedBy").asText());
    assertEquals(1, completed.result().path("echo").path("x").asInt());

    List<FeedEvent> replay = await(tf.readFeed(TENANT, session, 1, 100));
    assertEquals(List.of(2L, 3L), replay.stream().map(FeedEvent::seq).toList());
    List<FeedEvent> replayThenLive = collect(session, 2);
    eventually(() -> {
      synchronized (replayThenLive) {
        assertEquals(List.of(3L), replayThenLive.stream().map(FeedEvent::seq).toList());
      }
      return null;
    });
    assertEquals(3, await(tf.session(TENANT, session)).lastEventSeq());
  }

  @Test
  void pauseHoldsACooperativeExecutorAndResumeReleasesIt() {
    String session = unique("s");
    String name = unique("ticker");
    TaskView task = dispatch(session, TaskSpec.of("ticker", input("name", name)));
    eventually(() -> {
      assertTrue(TestExecutors.ticks(name).get() > 3);
      return null;
    });
    TaskView paused = await(tf.pause(TENANT, task.id()));
    assertEquals(TaskStatus.PAUSED, paused.status());
    long atPause = TestExecutors.ticks(name).get();
    // A tick already under way when the pause arrived may still land.
    testKit.createTestProbe().expectNoMessage(Duration.ofMillis(400));
    long afterWait = TestExecutors.ticks(name).get();
    assertTrue(afterWait - atPause <= 1, "ticks went on while paused: " + atPause + " -> " + afterWait);

    TaskView resumed = await(tf.resume(TENANT, task.id()));
    assertEquals(TaskStatus.RUNNING, resumed.status());
    eventually(() -> {
      assertTrue(TestExecutors.ticks(name).get() > afterWait + 3);
      return null;
    });
    TaskView cancelled = await(tf.cancel(TENANT, task.id()));
    assertEquals(TaskStatus.CANCELLED, cancelled.status());
    await(TestExecutors.cancelled(name));
  }

  @Test
  void cancelStopsTheWorkAndIsFinal() {
    String session = unique("s");
    String gateName = unique("g");
    TaskView task = dispatch(session, gate(gateName));
    await(TestExecutors.gateStarted(gateName));
    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    await(TestExecutors.cancelled(gateName));
    assertInstanceOf(ConflictException.class, failure(tf.cancel(TENANT, task.id())));
    Throwable refused = failure(tf.resume(TENANT, task.id()));
    assertInstanceOf(ConflictException.class, refused);
    assertTrue(refused.getMessage().contains("cancelled"), refused.getMessage());
    assertEquals(TaskStatus.CANCELLED, await(tf.task(TENANT, task.id())).status());
  }

  @Test
  void aQuestionWaitsForItsAnswer() {
    String session = unique("s");
    TaskView task = dispatch(session, TaskSpec.of("asker", input("question", "may I delete the branch?")));
    TaskView asking = awaitStatus(task.id(), TaskStatus.INPUT_REQUIRED);
    assertEquals("may I delete the branch?", asking.question());
    assertInstanceOf(ConflictException.class, failure(tf.resume(TENANT, task.id())));

    TaskView paused = await(tf.pause(TENANT, task.id()));
    assertEquals(TaskStatus.PAUSED, paused.status());
    assertInstanceOf(ConflictException.class, failure(tf.answer(TENANT, task.id(), "yes")));
    TaskView back = await(tf.resume(TENANT, task.id()));
    assertEquals(TaskStatus.INPUT_REQUIRED, back.status());
    assertEquals("may I delete the branch?", back.question());

    assertEquals(TaskStatus.RUNNING, await(tf.answer(TENANT, task.id(), "yes")).status());
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("yes", done.result().path("answer").asText());
  }

  @Test
  void theSessionLimitHoldsAndHigherPriorityStartsFirst() {
    String session = unique("s");
    await(tf.createSession(TENANT, new SessionSpec(session, "limited", 1, null)));
    String first = unique("g");
    String low = unique("g");
    String high = unique("g");
    TaskView a = dispatch(session, gate(first));
    await(TestExecutors.gateStarted(first));
    TaskView b = dispatch(session, gate(low).withPriority(0));
    TaskView c = dispatch(session, gate(high).withPriority(5));
    assertEquals(TaskStatus.PENDING, await(tf.task(TENANT, b.id())).status());
    assertEquals(TaskStatus.PENDING, await(tf.task(TENANT, c.id())).status());

    TestExecutors.gate(first).complete(input("ok", true));
    awaitStatus(a.id(), TaskStatus.COMPLETED);
    await(TestExecutors.gateStarted(high));
    assertEquals(TaskStatus.PENDING, await(tf.task(TENANT, b.id())).status());
    TestExecutors.gate(high).complete(input("ok", true));
    await(TestExecutors.gateStarted(low));
    TestExecutors.gate(low).complete(input("ok", true));
    awaitStatus(b.id(), TaskStatus.COMPLETED);
    // The session counts a final status once it has applied the task's report, just after.
    eventually(() -> {
      SessionView view = await(tf.session(TENANT, session));
      assertEquals(3L, view.counts().get("completed"));
      assertEquals(0L, view.counts().get("pending"));
      return null;
    });
  }

  @Test
  void theNodeLimitHoldsAcrossSessions() {
    List<String> gates = new ArrayList<>();
    List<TaskView> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String name = unique("g");
      gates.add(name);
      tasks.add(dispatch(unique("s"), gate(name)));
    }
    eventually(() -> {
      long started = gates.stream().filter(g -> TestExecutors.gateStarted(g).isDone()).count();
      assertEquals(3, started);
      return null;
    });
    testKit.createTestProbe().expectNoMessage(Duration.ofMillis(300));
    assertEquals(3, gates.stream().filter(g -> TestExecutors.gateStarted(g).isDone()).count());
    gates.forEach(g -> TestExecutors.gate(g).complete(input("ok", true)));
    tasks.forEach(t -> awaitStatus(t.id(), TaskStatus.COMPLETED));
  }

  @Test
  void aTimeoutFailsTheAttempt() {
    String session = unique("s");
    String name = unique("ticker");
    TaskView task = dispatch(session, TaskSpec.of("ticker", input("name", name)).withTimeoutSeconds(1));
    TaskView failed = awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.TIMEOUT, failed.error().type());
    await(TestExecutors.cancelled(name));
  }

  @Test
  void failuresAreRetriedWithinMaxAttemptsWhenRetryOnSaysSo() {
    String session = unique("s");
    String flaky = unique("f");
    TaskView retried = dispatch(session, TaskSpec.of("failing", input("name", flaky))
        .withRetries(3, Set.of(ErrorType.EXIT)));
    TaskView failed = awaitStatus(retried.id(), TaskStatus.FAILED);
    assertEquals(3, failed.attempt());
    assertEquals(ErrorType.EXIT, failed.error().type());
    assertEquals(3, TestExecutors.ATTEMPTS.get(flaky).get());

    String once = unique("f");
    TaskView notRetried = dispatch(session, TaskSpec.of("failing", input("name", once))
        .withRetries(3, Set.of(ErrorType.NODE_LOST)));
    assertEquals(1, awaitStatus(notRetried.id(), TaskStatus.FAILED).attempt());

    String recovers = unique("f");
    var spec = TaskSpec.of("failing", input("name", recovers).put("succeedOnAttempt", 2))
        .withRetries(2, Set.of(ErrorType.EXIT));
    assertEquals(2, awaitStatus(dispatch(session, spec).id(), TaskStatus.COMPLETED).attempt());
  }

  @Test
  void aClientChosenIdMakesDispatchIdempotent() {
    String session = unique("s");
    String id = unique("my-task");
    TaskSpec spec = TaskSpec.of("echo", input("n", 1)).withId(id);
    var first = await(tf.dispatch(TENANT, session, spec));
    assertFalse(first.repeated());
    assertEquals(id, first.task().id());
    var again = await(tf.dispatch(TENANT, session, spec));
    assertTrue(again.repeated());
    assertEquals(id, again.task().id());
    assertInstanceOf(ConflictException.class,
        failure(tf.dispatch(TENANT, session, TaskSpec.of("echo", input("n", 2)).withId(id))));
    assertInstanceOf(ConflictException.class, failure(tf.dispatch(TENANT, unique("s"), spec)));
    awaitStatus(id, TaskStatus.COMPLETED);
    assertTrue(await(tf.dispatch(TENANT, session, spec)).repeated());
  }

  @Test
  void fireAndForgetSendsNoCompletionEvent() {
    String session = unique("s");
    TaskView quiet = dispatch(session, TaskSpec.of("echo", input("n", 1)).withNotify(false));
    awaitStatus(quiet.id(), TaskStatus.COMPLETED);
    TaskView loud = dispatch(session, TaskSpec.of("echo", input("n", 2)));
    awaitStatus(loud.id(), TaskStatus.COMPLETED);
    List<FeedEvent> events = eventually(() -> {
      List<FeedEvent> all = await(tf.readFeed(TENANT, session, 0, 100));
      assertEquals(5, all.size(), () -> "events: " + all);
      return all;
    });
    assertTrue(events.stream().noneMatch(e -> e.taskId().equals(quiet.id()) && e.type().isFinal()));
    assertTrue(events.stream().anyMatch(e -> e.taskId().equals(loud.id()) && e.type() == FeedEventType.COMPLETED));
  }

  @Test
  void listingsComeFromTheReadModelByStatusNewestFirst() {
    String session = unique("s");
    String gateName = unique("g");
    TaskView running = dispatch(session, gate(gateName));
    TaskView done = dispatch(session, TaskSpec.of("echo", input("n", 1)));
    awaitStatus(done.id(), TaskStatus.COMPLETED);
    await(TestExecutors.gateStarted(gateName));
    eventually(() -> {
      Page<TaskView> all = await(tf.list(TENANT, session, TaskFilter.all()));
      assertEquals(List.of(done.id(), running.id()), all.items().stream().map(TaskView::id).toList());
      Page<TaskView> completed = await(tf.list(TENANT, session, TaskFilter.byStatus(TaskStatus.COMPLETED)));
      assertEquals(List.of(done.id()), completed.items().stream().map(TaskView::id).toList());
      return null;
    });
    eventually(() -> {
      var sessions = await(tf.sessions(TENANT, 500, null));
      assertTrue(sessions.items().stream().anyMatch(s -> s.id().equals(session)));
      return null;
    });
    TestExecutors.gate(gateName).complete(input("ok", true));
    awaitStatus(running.id(), TaskStatus.COMPLETED);
  }

  @Test
  void aListRightAfterADispatchShowsTheTask() {
    String session = unique("s");
    TaskView task = dispatch(session, TaskSpec.of("echo", input("n", 1)));
    // No waiting here: a listing waits for the read model to reach what was written before it.
    List<String> listed = await(tf.list(TENANT, session, TaskFilter.all())).items().stream().map(TaskView::id).toList();
    assertEquals(List.of(task.id()), listed);
    assertTrue(await(tf.sessions(TENANT, 500, null)).items().stream().anyMatch(s -> s.id().equals(session)));
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    String session = unique("s");
    Throwable unknownExecutor = failure(tf.dispatch(TENANT, session, TaskSpec.of("nope", null)));
    assertInstanceOf(InvalidRequestException.class, unknownExecutor);
    assertEquals("executor", ((InvalidRequestException) unknownExecutor).field());
    Throwable badInput = failure(tf.dispatch(TENANT, session, TaskSpec.of("gate", input("gate", 5))));
    assertEquals("input.gate", ((InvalidRequestException) badInput).field());
    assertInstanceOf(NotFoundException.class, failure(tf.session(TENANT, session)));
    assertInstanceOf(NotFoundException.class, failure(tf.task(TENANT, unique("t"))));
    assertInstanceOf(NotFoundException.class, failure(tf.pause(TENANT, unique("t"))));
  }

  @Test
  void aClosedSessionCancelsItsTasksAndRefusesDispatches() {
    String session = unique("s");
    String gateName = unique("g");
    TaskView task = dispatch(session, gate(gateName));
    await(TestExecutors.gateStarted(gateName));
    SessionView closed = await(tf.closeSession(TENANT, session));
    assertEquals("closed", closed.status());
    awaitStatus(task.id(), TaskStatus.CANCELLED);
    assertInstanceOf(ConflictException.class, failure(tf.dispatch(TENANT, session, TaskSpec.of("echo", null))));
  }

  @Test
  void tenantsNeverMeet() {
    String session = unique("s");
    TaskView mine = dispatch(session, TaskSpec.of("echo", input("n", 1)).withId(unique("shared")));
    assertInstanceOf(NotFoundException.class, failure(tf.task("other", mine.id())));
    assertInstanceOf(NotFoundException.class, failure(tf.session("other", session)));
    var theirs = await(tf.dispatch("other", session, TaskSpec.of("echo", input("n", 2)).withId(mine.id())));
    assertFalse(theirs.repeated());
    awaitStatus(mine.id(), TaskStatus.COMPLETED);
    assertEquals(1, await(tf.task(TENANT, mine.id())).result().path("echo").path("n").asInt());
  }

  @Test
  void acksMoveForwardOnly() {
    String session = unique("s");
    TaskView task = dispatch(session, TaskSpec.of("echo", null));
    awaitStatus(task.id(), TaskStatus.COMPLETED);
    eventually(() -> {
      assertEquals(3, await(tf.session(TENANT, session)).lastEventSeq());
      return null;
    });
    assertEquals(2, await(tf.ack(TENANT, session, 2)).ackedEventSeq());
    assertEquals(2, await(tf.ack(TENANT, session, 1)).ackedEventSeq());
    assertEquals(3, await(tf.ack(TENANT, session, 99)).ackedEventSeq());
  }
}
