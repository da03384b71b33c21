package io.taskforce.internal.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.taskforce.api.TaskStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one node measures about itself, on a Micrometer registry given by the host (the server
 * binds a Prometheus one; an embedding application may bind its own). Timers publish histograms
 * so that percentiles can be computed across nodes.
 *
 * <ul>
 *   <li>{@code taskforce.dispatch} (timer): from a dispatch's arrival at the facade until it is
 *       persisted and answered (successful dispatches only).
 *   <li>{@code taskforce.dispatch.to.start} (timer): from a task's creation until an attempt of it
 *       starts.
 *   <li>{@code taskforce.journal.write} (timer): how long a task entity waits for an event write.
 *   <li>{@code taskforce.attempts.running}, {@code taskforce.attempts.queued} (gauges): this
 *       node's slots.
 *   <li>{@code taskforce.tasks} (gauge, tag {@code status}): the tasks of every tenant by status,
 *       cluster-wide (the same on every node), from the read model, refreshed every {@value
 *       #TASK_COUNTS_INTERVAL_PATH} (default 15 s; 0 turns it off). Absent until the first count.
 * </ul>
 */
public final class TaskforceMetrics {
  /** How often the task counts are read from the read model; {@code 0s} turns them off. */
  public static final String TASK_COUNTS_INTERVAL_PATH = "taskforce.metrics.task-counts-interval";
  static final Duration DEFAULT_TASK_COUNTS_INTERVAL = Duration.ofSeconds(15);

  private static final Logger log = LoggerFactory.getLogger(TaskforceMetrics.class);

  private final MeterRegistry registry;
  private final Timer dispatch;
  private final Timer dispatchToStart;
  private final Timer journalWrite;
  private final AtomicInteger runningAttempts = new AtomicInteger();
  private final AtomicInteger queuedAttempts = new AtomicInteger();
  private final Map<TaskStatus, Long> taskCounts = new EnumMap<>(TaskStatus.class);
  private final AtomicBoolean taskGaugesRegistered = new AtomicBoolean();
  private final AtomicBoolean watchingTaskCounts = new AtomicBoolean();

  public TaskforceMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.dispatch = Timer.builder("taskforce.dispatch")
        .description("Time from a dispatch's arrival until it is persisted and answered")
        .publishPercentileHistogram()
        .register(registry);
    this.dispatchToStart = Timer.builder("taskforce.dispatch.to.start")
        .description("Time from a task's creation until an attempt of it starts")
        .publishPercentileHistogram()
        .register(registry);
    this.journalWrite = Timer.builder("taskforce.journal.write")
        .description("Time a task entity waits for an event to be written to the journal")
        .publishPercentileHistogram()
        .register(registry);
    Gauge.builder("taskforce.attempts.running", runningAttempts, AtomicInteger::get)
        .description("Attempts running on this node's slots")
        .register(registry);
    Gauge.builder("taskforce.attempts.queued", queuedAttempts, AtomicInteger::get)
        .description("Attempts of this node's tasks waiting for a slot")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void dispatched(Duration took) {
    dispatch.record(took);
  }

  public void attemptStarted(Duration sinceCreated) {
    dispatchToStart.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
  }

  public void journalWritten(Duration took) {
    journalWrite.record(took);
  }

  /** This node's slots, as its slot keeper last saw them. */
  public void nodeLoad(int running, int queued) {
    runningAttempts.set(running);
    queuedAttempts.set(queued);
  }

  /** The tasks of every tenant by status; the {@code taskforce.tasks} gauges show them from now on. */
  public void taskCounts(Map<TaskStatus, Long> counts) {
    synchronized (taskCounts) {
      for (TaskStatus status : TaskStatus.values()) taskCounts.put(status, counts.getOrDefault(status, 0L));
    }
    if (taskGaugesRegistered.compareAndSet(false, true)) {
      for (TaskStatus status : TaskStatus.values()) {
        Gauge.builder("taskforce.tasks", this, m -> m.taskCount(status))
            .description("Tasks of every tenant by status, cluster-wide, from the read model")
            .tag("status", status.wire())
            .register(registry);
      }
    }
  }

  private double taskCount(TaskStatus status) {
    synchronized (taskCounts) {
      Long count = taskCounts.get(status);
      return count == null ? Double.NaN : count;
    }
  }

  /**
   * Feeds {@link #taskCounts} from {@code source} now and then every {@value
   * #TASK_COUNTS_INTERVAL_PATH} (one count at a time, never overlapping) until {@code system}
   * terminates. A failed count is logged at debug and leaves the gauges as they were. Once only.
   */
  public void watchTaskCounts(ActorSystem<?> system, Supplier<CompletionStage<Map<TaskStatus, Long>>> source) {
    var config = system.settings().config();
    Duration every = config.hasPath(TASK_COUNTS_INTERVAL_PATH)
        ? config.getDuration(TASK_COUNTS_INTERVAL_PATH)
        : DEFAULT_TASK_COUNTS_INTERVAL;
    if (every.isZero() || every.isNegative()) return;
    if (!watchingTaskCounts.compareAndSet(false, true)) return;
    refreshTaskCounts(system, source, every);
  }

  private void refreshTaskCounts(
      ActorSystem<?> system, Supplier<CompletionStage<Map<TaskStatus, Long>>> source, Duration every) {
    if (system.whenTerminated().isCompleted()) return;
    CompletionStage<Map<TaskStatus, Long>> counting;
    try {
      counting = source.get();
    } catch (RuntimeException e) {
      counting = CompletableFuture.failedFuture(e);
    }
    counting.whenComplete((counts, failure) -> {
      if (failure == null) taskCounts(counts);
      else log.debug("task counts for the metrics could not be read: {}", failure.toString());
      if (system.whenTerminated().isCompleted()) return;
      try {
        system.scheduler().scheduleOnce(every, () -> refreshTaskCounts(system, source, every), system.executionContext());
      } catch (IllegalStateException shuttingDown) {
        // the scheduler is closed: the system is terminating
      }
    });
  }
}
