package io.taskforce.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.internal.EntityIds;
import io.taskforce.internal.EntityRefs;
import io.taskforce.internal.task.TaskCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The node's waker, with its sessions and tasks replaced by probes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskWakerTest {
  private static final String TENANT = "acme";
  private static final Duration NONE_WITHIN = Duration.ofMillis(200);
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private final ActorTestKit testKit = ActorTestKit.create("TaskWakerTest");
  private final Map<String, TestProbe<TaskCommand>> tasks = new ConcurrentHashMap<>();
  private final EntityRefs refs = new EntityRefs() {
    @Override
    public RecipientRef<SessionCommand> session(String entityId) {
      throw new AssertionError("the waker talks to the sessions that handed it tasks, yet it addressed " + entityId);
    }

    @Override
    public RecipientRef<TaskCommand> task(String entityId) {
      return tasks.computeIfAbsent(entityId, id -> testKit.createTestProbe(TaskCommand.class)).ref();
    }
  };

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void wakesAtMostAWindowOfTasksForTheWholeNodeTheNextAsTheirSessionsHearFromThem() {
    var waker = testKit.spawn(TaskWaker.create(refs, 2, Duration.ofHours(1)));
    var first = testKit.createTestProbe(SessionCommand.class);
    var second = testKit.createTestProbe(SessionCommand.class);
    waker.tell(new TaskWaker.WakeTasks(first.ref(), List.of(sleeper("w1-a", 3), sleeper("w1-b", 1))));
    waker.tell(new TaskWaker.WakeTasks(second.ref(), List.of(sleeper("w1-c", 7), sleeper("w1-d", 2))));

    assertEquals(new TaskCommand.Wake(3), task("w1-a").expectMessageClass(TaskCommand.Wake.class));
    assertEquals(new TaskCommand.Wake(1), task("w1-b").expectMessageClass(TaskCommand.Wake.class));
    task("w1-c").expectNoMessage(NONE_WITHIN); // two sessions, one window

    waker.tell(new TaskWaker.Answered(id("w1-a")));
    assertEquals(new TaskCommand.Wake(7), task("w1-c").expectMessageClass(TaskCommand.Wake.class));
    task("w1-d").expectNoMessage(NONE_WITHIN);
    first.expectNoMessage(NONE_WITHIN); // "w1-b" has not answered yet

    waker.tell(new TaskWaker.Answered(id("w1-a"))); // a second answer of the same task frees nothing
    task("w1-d").expectNoMessage(NONE_WITHIN);
    waker.tell(new TaskWaker.Answered(id("w1-b")));
    first.expectMessageClass(SessionCommand.WakesDone.class);
    assertEquals(new TaskCommand.Wake(2), task("w1-d").expectMessageClass(TaskCommand.Wake.class));

    waker.tell(new TaskWaker.Answered(id("w1-c")));
    waker.tell(new TaskWaker.Answered(id("w1-d")));
    second.expectMessageClass(SessionCommand.WakesDone.class);
    first.expectNoMessage(NONE_WITHIN);
    for (String task : List.of("w1-a", "w1-b", "w1-c", "w1-d")) task(task).expectNoMessage(Duration.ZERO);
  }

  @Test
  void givesUpOnATaskNotHeardOfAndWakesTheNext() {
    var waker = testKit.spawn(TaskWaker.create(refs, 1, Duration.ofMillis(300)));
    var session = testKit.createTestProbe(SessionCommand.class);
    waker.tell(new TaskWaker.WakeTasks(session.ref(), List.of(sleeper("w2-lost", 4), sleeper("w2-next", 5))));
    task("w2-lost").expectMessageClass(TaskCommand.Wake.class);

    // No answer: after one to two answer timeouts its place goes to the next.
    assertEquals(new TaskCommand.Wake(5), task("w2-next").expectMessageClass(TaskCommand.Wake.class, DEADLINE));
    session.expectNoMessage(Duration.ZERO);
    waker.tell(new TaskWaker.Answered(id("w2-next")));
    session.expectMessageClass(SessionCommand.WakesDone.class);
    task("w2-lost").expectNoMessage(NONE_WITHIN); // given up, not woken again (the session's periodic wake is)
  }

  @Test
  void theTasksOfASessionThatStoppedLeaveTheQueue() {
    var waker = testKit.spawn(TaskWaker.create(refs, 1, Duration.ofHours(1)));
    var stopping = testKit.createTestProbe(SessionCommand.class);
    var staying = testKit.createTestProbe(SessionCommand.class);
    waker.tell(new TaskWaker.WakeTasks(stopping.ref(), List.of(sleeper("w3-a", 1), sleeper("w3-b", 1))));
    waker.tell(new TaskWaker.WakeTasks(staying.ref(), List.of(sleeper("w3-c", 1))));
    task("w3-a").expectMessageClass(TaskCommand.Wake.class);

    // Handed off or passivated: its tasks, waking or queued, are the concern of its next incarnation.
    stopping.stop();
    task("w3-c").expectMessageClass(TaskCommand.Wake.class, DEADLINE);
    task("w3-b").expectNoMessage(NONE_WITHIN);
    waker.tell(new TaskWaker.Answered(id("w3-c")));
    staying.expectMessageClass(SessionCommand.WakesDone.class);
  }

  @Test
  void aSessionWithNothingToWakeIsDoneAtOnce() {
    var waker = testKit.spawn(TaskWaker.create(refs, 1, Duration.ofHours(1)));
    var session = testKit.createTestProbe(SessionCommand.class);
    waker.tell(new TaskWaker.WakeTasks(session.ref(), List.of()));
    session.expectMessageClass(SessionCommand.WakesDone.class);
  }

  /** Thousands handed over at once: never more than the window waking, every one woken once. */
  @Test
  void aLargeHandOverIsWokenWindowByWindowEachTaskOnce() {
    int window = 50;
    int count = 1_000;
    var waker = testKit.spawn(TaskWaker.create(refs, window, Duration.ofHours(1)));
    var session = testKit.createTestProbe(SessionCommand.class);
    var all = testKit.createTestProbe(TaskCommand.class);
    List<TaskWaker.Sleeper> sleepers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sleepers.add(new TaskWaker.Sleeper(id("w5-" + i), i));
      tasks.put(id("w5-" + i), all);
    }
    waker.tell(new TaskWaker.WakeTasks(session.ref(), sleepers));

    List<Long> woken = new ArrayList<>();
    while (woken.size() < count) {
      var batch = all.receiveSeveralMessages(window, DEADLINE);
      all.expectNoMessage(Duration.ZERO);
      batch.forEach(wake -> woken.add(((TaskCommand.Wake) wake).upTo()));
      batch.forEach(wake -> waker.tell(new TaskWaker.Answered(id("w5-" + ((TaskCommand.Wake) wake).upTo()))));
    }
    assertEquals(count, woken.stream().distinct().count());
    assertTrue(woken.stream().allMatch(upTo -> upTo >= 0 && upTo < count));
    session.expectMessageClass(SessionCommand.WakesDone.class);
    all.expectNoMessage(NONE_WITHIN);
  }

  private TestProbe<TaskCommand> task(String taskId) {
    return tasks.computeIfAbsent(id(taskId), id -> testKit.createTestProbe(TaskCommand.class));
  }

  private static TaskWaker.Sleeper sleeper(String taskId, long upTo) {
    return new TaskWaker.Sleeper(id(taskId), upTo);
  }

  private static String id(String taskId) {
    return EntityIds.of(TENANT, taskId);
  }
}
