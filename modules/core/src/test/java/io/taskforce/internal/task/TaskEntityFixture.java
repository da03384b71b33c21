package io.taskforce.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskforce.TaskforceSettings;
import io.taskforce.api.ErrorType;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.EntityRefs;
import io.taskforce.internal.TaskforceRuntime;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.task.TaskCommand.*;
import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.spi.TaskFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the task entity tests share: the entity under an {@link EventSourcedBehaviorTestKit} with
 * serialization verification on (equality included), its session, the node's slots, the feed topics
 * and the shard replaced by probes, and a host executor ({@code ctl}) that the tests steer. Each test
 * gets a task of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(TestKitJUnit5Extension.class)
abstract class TaskEntityFixture {

  static final String TENANT = "acme";
  static final String SESSION = "s1";
  static final Instant CREATED_AT = Instant.parse("2026-11-25T06:30:00.123Z");
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(5);

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder()
          .withName(getClass().getSimpleName())
          .withCustomConfig(EntityTestConfig.with(String.join("\n",
              // Retelling and periodic writes only when a test asks for them.
              "taskforce.task.retell-interval = 1h",
              "taskforce.task.progress-write-interval = 1h",
              "taskforce.task.retry-backoff-min = 200ms",
              "taskforce.task.retry-backoff-max = 200ms",
              "taskforce.session.idle-timeout = 300ms")))
          .build();

  final TaskforceSettings settings = TaskforceSettings.from(testKit.system().settings().config());
  final ExecutorService blocking = Executors.newCachedThreadPool();
  final AtomicInteger taskNumbers = new AtomicInteger();
  /** The attempts the {@code ctl} executor started, per task id, in order. */
  final Map<String, BlockingQueue<Attempt>> attempts = new ConcurrentHashMap<>();
  final ExecutorRegistry executors = new ExecutorRegistry().register("ctl", this::startAttempt);

  String taskId;
  TaskSpec spec;
  TestProbe<SessionCommand> session;
  TestProbe<NodeSlots.Command> slots;
  TestProbe<FeedTopics.Command> topics;
  TestProbe<ClusterSharding.ShardCommand> shard;
  TestProbe<TaskReply> dispatcher;
  /** What the task sends itself through sharding (a wake where its shard goes after a hand-off). */
  TestProbe<TaskCommand> selfAddressed;
  List<String> sessionsAddressed;
  EventSourcedBehaviorTestKit<TaskCommand, TaskEvent, TaskState> task;

  @BeforeEach
  void freshTask() {
    taskId = "t" + taskNumbers.incrementAndGet();
    session = testKit.createTestProbe(SessionCommand.class);
    slots = testKit.createTestProbe(NodeSlots.Command.class);
    topics = testKit.createTestProbe(FeedTopics.Command.class);
    shard = testKit.createTestProbe(ClusterSharding.ShardCommand.class);
    dispatcher = testKit.createTestProbe(TaskReply.class);
    selfAddressed = testKit.createTestProbe(TaskCommand.class);
    sessionsAddressed = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Captured here, so that an entity of an earlier test never reaches this test's probes.
    ActorRef<SessionCommand> sessionRef = session.ref();
    List<String> addressed = sessionsAddressed;
    ActorRef<TaskCommand> self = selfAddressed.ref();
    String selfId = EntityIds.of(TENANT, taskId);
    EntityRefs refs = new EntityRefs() {
      @Override
      public RecipientRef<SessionCommand> session(String entityId) {
        addressed.add(entityId);
        return sessionRef;
      }

      @Override
      public RecipientRef<TaskCommand> task(String entityId) {
        if (entityId.equals(selfId)) return self;
        throw new AssertionError("a task does not talk to other tasks, yet it addressed " + entityId);
      }
    };
    var runtime = new TaskforceRuntime(
        settings, executors, slots.ref(), topics.ref(), refs,
        testKit.createTestProbe(io.taskforce.internal.session.TaskWaker.Command.class).ref(), blocking, Clock.systemUTC(),
        new io.taskforce.internal.metrics.TaskforceMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    task = EventSourcedBehaviorTestKit.create(
        testKit.system(),
        TaskEntity.create(EntityIds.of(TENANT, taskId), shard.ref(), runtime),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
  }

  @AfterAll
  void stopThreads() {
    blocking.shutdownNow();
  }

  /** The states a task can be brought to; the three paused ones differ in where they came from. */
  enum From {
    PENDING(TaskStatus.PENDING),
    RUNNING(TaskStatus.RUNNING),
    INPUT_REQUIRED(TaskStatus.INPUT_REQUIRED),
    PAUSED_FROM_PENDING(TaskStatus.PAUSED),
    PAUSED_FROM_RUNNING(TaskStatus.PAUSED),
    PAUSED_FROM_INPUT_REQUIRED(TaskStatus.PAUSED),
    COMPLETED(TaskStatus.COMPLETED),
    FAILED(TaskStatus.FAILED),
    CANCELLED(TaskStatus.CANCELLED);

    final TaskStatus status;

    From(TaskStatus status) {
      this.status = status;
    }

    String phrase() {
      String name = name().toLowerCase();
      return name.startsWith("paused_from_") ? "paused (from " + name.substring(12) + ")" : name;
    }
  }

  /** Leaves the task in {@code from}, every report confirmed but a final one. */
  void bringTo(From from) throws Exception {
    switch (from) {
      case PENDING -> dispatch(plainSpec());
      case RUNNING -> {
        dispatch(plainSpec());
        start(1);
      }
      case INPUT_REQUIRED -> {
        dispatch(askingSpec());
        start(1);
        confirm(awaitReport(ReportKind.INPUT_REQUIRED).seq());
      }
      case PAUSED_FROM_PENDING -> {
        dispatch(plainSpec());
        pause();
      }
      case PAUSED_FROM_RUNNING -> {
        bringTo(From.RUNNING);
        pause();
      }
      case PAUSED_FROM_INPUT_REQUIRED -> {
        bringTo(From.INPUT_REQUIRED);
        pause();
      }
      case COMPLETED -> {
        dispatch(plainSpec());
        start(1).result.complete(JSON.createObjectNode().put("summary", "done"));
        awaitReport(ReportKind.COMPLETED);
      }
      case FAILED -> {
        dispatch(plainSpec());
        start(1).result.completeExceptionally(new TaskFailure(ErrorType.EXIT, "exit code 2"));
        awaitReport(ReportKind.FAILED);
      }
      case CANCELLED -> {
        dispatch(plainSpec());
        var reply = task.<TaskReply>runCommand(replyTo -> new Cancel("no longer needed", replyTo));
        assertEquals(TaskStatus.CANCELLED, reply.replyOfType(TaskReply.View.class).task().status());
        awaitReport(ReportKind.CANCELLED);
      }
    }
  }

  // ============================================================================================
  // The steps the tests are made of

  TaskSpec plainSpec() {
    return TaskSpec.of("ctl", JSON.createObjectNode().put("kind", "plain"))
        .withTitle("Refactor the authentication module")
        .withContext(JSON.createObjectNode().put("why", "test"));
  }

  TaskSpec askingSpec() {
    return TaskSpec.of("ctl", JSON.createObjectNode().put("ask", "which branch?"))
        .withTitle("Ask first");
  }

  TaskData data(TaskSpec taskSpec) {
    return new TaskData(TENANT, taskId, SESSION, taskSpec, CREATED_AT);
  }

  String persistenceId() {
    return "task|" + EntityIds.of(TENANT, taskId);
  }

  Object lastEvent() {
    List<Object> events = task.persistenceTestKit().persistedInStorage(persistenceId());
    return events.get(events.size() - 1);
  }

  /** Creates the task and confirms its dispatch report, as its session would. */
  void dispatch(TaskSpec taskSpec) {
    spec = taskSpec;
    var created = task.runCommand(new Create(data(spec), dispatcher.ref()));
    assertInstanceOf(Created.class, created.event());
    TaskReport dispatched = awaitReport(ReportKind.DISPATCHED);
    task.runCommand(new ConfirmReports(dispatched.seq()));
    assertEquals(TaskStatus.PENDING, dispatcher.expectMessageClass(TaskReply.View.class).task().status());
  }

  ActorRef<TaskCommand> entityRef;

  /** The session's grant, then the node's slot: attempt {@code number} starts. */
  Attempt start(int number) {
    assertTrue(task.runCommand(new StartAttempt()).hasNoEvents());
    entityRef = slots.expectMessageClass(NodeSlots.Acquire.class, WAIT).task();
    var result = task.runCommand(new NodeSlotGranted(slots.ref(), 1L));
    assertEquals(number, assertInstanceOf(Started.class, result.event()).attempt());
    confirm(awaitReport(ReportKind.STARTED).seq());
    return nextAttempt();
  }

  void pause() {
    var paused = task.<TaskReply>runCommand(TaskCommand.Pause::new);
    assertInstanceOf(Paused.class, paused.event());
    assertEquals(TaskStatus.PAUSED, paused.replyOfType(TaskReply.View.class).task().status());
    confirm(awaitReport(ReportKind.PAUSED).seq());
  }

  void confirm(long upTo) {
    task.runCommand(new ConfirmReports(upTo));
  }

  /** Waits for the session to be told a report of {@code kind}, and returns that report. */
  TaskReport awaitReport(ReportKind kind) {
    var messages = session.fishForMessage(WAIT, "a report " + kind, message ->
        message instanceof SessionCommand.ApplyReports apply
                && apply.reports().stream().anyMatch(r -> r.kind() == kind)
            ? FishingOutcomes.complete()
            : FishingOutcomes.continueAndIgnore());
    var apply = (SessionCommand.ApplyReports) messages.get(messages.size() - 1);
    assertEquals(taskId, apply.taskId());
    List<TaskReport> reports = apply.reports();
    for (int i = 1; i < reports.size(); i++) {
      assertEquals(reports.get(i - 1).seq() + 1, reports.get(i).seq(), "reports are told in order");
    }
    return reports.stream().filter(r -> r.kind() == kind).reduce((a, b) -> b).orElseThrow();
  }

  Attempt nextAttempt() {
    try {
      Attempt attempt = attempts.computeIfAbsent(taskId, id -> new LinkedBlockingQueue<>())
          .poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (attempt == null) throw new AssertionError("no attempt of " + taskId + " started");
      return attempt;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** One attempt of the {@code ctl} executor, which does what the test tells it. */
  static final class Attempt {
    final AttemptContext context;
    final CompletableFuture<JsonNode> result = new CompletableFuture<>();
    final CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    final CompletableFuture<Boolean> paused = new CompletableFuture<>();
    final CompletableFuture<Boolean> resumed = new CompletableFuture<>();
    volatile CompletionStage<String> answer;

    Attempt(AttemptContext context) {
      this.context = context;
    }
  }

  /** The {@code ctl} executor: an attempt that asks {@code input.ask} at once, if given, then waits. */
  CompletionStage<JsonNode> startAttempt(AttemptContext context) {
    Attempt attempt = new Attempt(context);
    context.onPause(() -> attempt.paused.complete(true));
    context.onResume(() -> attempt.resumed.complete(true));
    context.onCancel(() -> {
      attempt.cancelled.complete(true);
      attempt.result.completeExceptionally(new AttemptCancelledException());
    });
    String question = context.input().path("ask").asText(null);
    if (question != null) attempt.answer = context.ask(question);
    attempts.computeIfAbsent(context.taskId(), id -> new LinkedBlockingQueue<>()).add(attempt);
    return attempt.result;
  }
}
