package io.taskforce.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.taskforce.api.TaskStatus;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The session's persistent task map keeps its queue and tallies equal to a scan of its entries. */
class SessionTasksTest {
  private static final TaskStatus[] STATUSES = TaskStatus.values();

  @Test
  void queueAndTalliesMatchAScanAfterEveryChange() {
    Random random = new Random(42);
    SessionTasks tasks = SessionTasks.EMPTY;
    Map<String, TaskEntry> truth = new LinkedHashMap<>();
    for (int step = 0; step < 5_000; step++) {
      String id = "t" + random.nextInt(300);
      if (random.nextInt(5) == 0) {
        tasks = tasks.without(id);
        truth.remove(id);
      } else {
        TaskEntry entry = randomEntry(random);
        tasks = tasks.with(id, entry);
        truth.put(id, entry);
      }
      assertMatches(truth, tasks, random.nextInt(6));
    }
  }

  @Test
  void aSnapshotsMapIsReadBackWithItsQueueAndTallies() {
    Random random = new Random(7);
    Map<String, TaskEntry> truth = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) truth.put("t" + i, randomEntry(random));
    SessionTasks read = SessionTasks.of(truth);
    assertMatches(truth, read, 50);
    assertSame(read, SessionTasks.of(read));
  }

  @Test
  void grantsGoToTheHighestPriorityThenTheOldest() {
    SessionTasks tasks = SessionTasks.EMPTY
        .with("old-low", queued(1, 0))
        .with("new-high", queued(9, 5))
        .with("old-high", queued(2, 5))
        .with("running", new TaskEntry(0, 99, TaskStatus.RUNNING, false, true, 2, false));
    assertEquals(List.of("old-high", "new-high", "old-low"), tasks.firstQueued(10));
    assertEquals(List.of("old-high"), tasks.firstQueued(1));
  }

  private static TaskEntry queued(long order, int priority) {
    return new TaskEntry(order, priority, TaskStatus.PENDING, false, false, 1, false);
  }

  private static TaskEntry randomEntry(Random random) {
    boolean finished = random.nextInt(4) == 0;
    TaskStatus status = finished ? STATUSES[4 + random.nextInt(3)] : STATUSES[random.nextInt(4)];
    return new TaskEntry(random.nextInt(1_000), random.nextInt(3) - 1, status, random.nextBoolean(),
        random.nextBoolean(), random.nextInt(10), finished);
  }

  private static void assertMatches(Map<String, TaskEntry> truth, SessionTasks tasks, int n) {
    assertEquals(truth, tasks);
    assertEquals(truth.values().stream().filter(TaskEntry::queued).count(), tasks.queuedCount());
    assertEquals(truth.values().stream().filter(t -> !t.finished()).count(), tasks.unfinishedCount());
    assertEquals(truth.values().stream().filter(TaskEntry::occupiesSlot).count(), tasks.occupyingSlots());
    assertEquals(truth.values().stream().anyMatch(t -> t.finished() || t.granted()), tasks.anyAwaitingTask());
    List<String> expected = truth.entrySet().stream()
        .filter(e -> e.getValue().queued())
        .sorted(Comparator.<Map.Entry<String, TaskEntry>>comparingInt(e -> -e.getValue().priority())
            .thenComparingLong(e -> e.getValue().order())
            .thenComparing(Map.Entry::getKey))
        .limit(n)
        .map(Map.Entry::getKey)
        .toList();
    assertEquals(expected, tasks.firstQueued(n));
  }
}
