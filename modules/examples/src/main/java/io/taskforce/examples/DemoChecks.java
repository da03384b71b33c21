package io.taskforce.examples;

import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the demo must have shown, checked at its end: the demo exits non-zero otherwise. */
final class DemoChecks {
  private DemoChecks() {}

  static void check(List<TaskView> listed, List<FeedEvent> events, String tests, String refactor, String docs) {
    Map<String, TaskView> byId = listed.stream().collect(Collectors.toMap(TaskView::id, Function.identity()));
    expect(byId, tests, TaskStatus.COMPLETED);
    expect(byId, refactor, TaskStatus.COMPLETED);
    expect(byId, docs, TaskStatus.CANCELLED);

    List<Long> seqs = events.stream().filter(FeedEvent::durable).map(FeedEvent::seq).toList();
    for (int i = 0; i < seqs.size(); i++) {
      if (seqs.get(i) != i + 1) throw new IllegalStateException("the feed's numbers are not 1, 2, 3, ...: " + seqs);
    }
    for (String id : List.of(tests, refactor, docs)) {
      long finals = events.stream().filter(e -> e.taskId().equals(id) && e.type().isFinal()).count();
      if (finals != 1) throw new IllegalStateException("task " + id + " has " + finals + " final events, not 1");
      if (count(events, id, FeedEventType.DISPATCHED) != 1) throw new IllegalStateException("no task.dispatched for " + id);
    }
    if (count(events, tests, FeedEventType.PROGRESS) == 0) throw new IllegalStateException("no live progress arrived");

    List<FeedEventType> refactorSteps = events.stream()
        .filter(e -> e.taskId().equals(refactor) && e.durable()).map(FeedEvent::type).toList();
    int paused = refactorSteps.indexOf(FeedEventType.PAUSED);
    int resumed = refactorSteps.indexOf(FeedEventType.RESUMED);
    if (paused < 0 || resumed < paused) {
      throw new IllegalStateException("the refactor was not paused then resumed: " + refactorSteps);
    }
    // One tick may be on its way when the pause lands (ticks and reports travel apart); no more.
    long ticksWhilePaused = events.stream()
        .dropWhile(e -> !(e.taskId().equals(refactor) && e.type() == FeedEventType.PAUSED))
        .takeWhile(e -> !(e.taskId().equals(refactor) && e.type() == FeedEventType.RESUMED))
        .filter(e -> e.taskId().equals(refactor) && e.type() == FeedEventType.PROGRESS)
        .count();
    if (ticksWhilePaused > 1) {
      throw new IllegalStateException("the refactor reported " + ticksWhilePaused + " progress ticks while paused");
    }
  }

  private static void expect(Map<String, TaskView> byId, String id, TaskStatus status) {
    TaskView task = byId.get(id);
    if (task == null || task.status() != status) {
      throw new IllegalStateException("expected task " + id + " " + status.wire() + ", the list shows " + task);
    }
  }

  private static long count(List<FeedEvent> events, String id, FeedEventType type) {
    return events.stream().filter(e -> e.taskId().equals(id) && e.type() == type).count();
  }
}
