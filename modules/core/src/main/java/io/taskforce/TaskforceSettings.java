package io.taskforce;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code taskforce} section of the configuration, read once. */
public record TaskforceSettings(
    String defaultTenant,
    Path dataDir,
    int maxRunning,
    Duration drainTimeout,
    Duration peerStatusInterval,
    Duration offerTimeout,
    int nodeWakeWindow,
    Duration nodeWakeAnswerTimeout,
    int maxConcurrentTasks,
    int maxQueuedTasks,
    Duration sessionIdleTimeout,
    Duration sessionRetellInterval,
    Duration sessionWakeInterval,
    int sessionSnapshotEvery,
    Duration taskRetellInterval,
    Duration taskRetellIntervalMax,
    Duration progressWriteInterval,
    Duration retryBackoffMin,
    Duration retryBackoffMax,
    int outputTailBytes,
    int finalOutputBytes,
    int taskSnapshotEvery,
    int blockingThreads,
    Duration askTimeout,
    int numberOfShards,
    String journalPluginId,
    String snapshotPluginId,
    String queryPluginId) {

  public static TaskforceSettings from(Config root) {
    Config c = root.getConfig("taskforce");
    int configuredMaxRunning = c.getInt("node.max-running");
    int maxRunning =
        configuredMaxRunning > 0
            ? configuredMaxRunning
            : Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    return new TaskforceSettings(
        c.getString("default-tenant"),
        Path.of(c.getString("data-dir")),
        maxRunning,
        Duration.ofSeconds(c.getInt("node.drain-seconds")),
        c.getDuration("node.peer-status-interval"),
        c.getDuration("node.offer-timeout"),
        c.getInt("node.wake-window"),
        c.getDuration("node.wake-answer-timeout"),
        c.getInt("session.max-concurrent-tasks"),
        c.getInt("session.max-queued-tasks"),
        c.getDuration("session.idle-timeout"),
        c.getDuration("session.retell-interval"),
        c.getDuration("session.wake-interval"),
        c.getInt("session.snapshot-every"),
        c.getDuration("task.retell-interval"),
        c.getDuration("task.retell-interval-max"),
        c.getDuration("task.progress-write-interval"),
        c.getDuration("task.retry-backoff-min"),
        c.getDuration("task.retry-backoff-max"),
        (int) c.getBytes("task.output-tail-bytes").longValue(),
        (int) c.getBytes("task.final-output-bytes").longValue(),
        c.getInt("task.snapshot-every"),
        c.getInt("task.blocking-threads"),
        c.getDuration("ask-timeout"),
        c.getInt("sharding.number-of-shards"),
        c.getString("persistence.journal-plugin-id"),
        c.getString("persistence.snapshot-plugin-id"),
        c.getString("persistence.query-plugin-id"));
  }

  /** The wait before a task retells unconfirmed reports the {@code retold + 1}-th time: doubling, capped. */
  public Duration taskRetellDelay(int retold) {
    return doubled(taskRetellInterval, retold, taskRetellIntervalMax);
  }

  /** The wait before attempt {@code failedAttempt + 1}: doubling from the minimum, capped. */
  public Duration retryBackoff(int failedAttempt) {
    return doubled(retryBackoffMin, failedAttempt - 1, retryBackoffMax);
  }

  private static Duration doubled(Duration first, int doublings, Duration max) {
    Duration backoff = first.multipliedBy(1L << Math.min(20, Math.max(0, doublings)));
    return backoff.compareTo(max) > 0 ? max : backoff;
  }
}
