package io.taskforce.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the tasks that finished (completed, failed or cancelled) from the feeds of a run's
 * sessions, as a client hears of them, and notes when each count was reached. Optionally keeps
 * the arrival time of each task's completion event ({@link #arrival}).
 */
final class Completions implements AutoCloseable {
  private final List<AutoCloseable> subscriptions = new ArrayList<>();
  private final AtomicLong finished = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long lastAt;
  private final ConcurrentHashMap<Long, CompletableFuture<Long>> reached = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<Long>> arrivals;

  Completions(boolean keepArrivals) {
    this.arrivals = keepArrivals ? new ConcurrentHashMap<>() : null;
  }

  void follow(Client client, String sessionId) {
    subscriptions.add(client.subscribe(sessionId, event -> {
      boolean terminal = event.type().equals("task.completed") || event.type().equals("task.failed")
          || event.type().equals("task.cancelled");
      if (!terminal) return;
      long now = System.nanoTime();
      if (!event.type().equals("task.completed")) failed.incrementAndGet();
      if (arrivals != null && event.taskId() != null) arrival(event.taskId()).complete(now);
      long n;
      synchronized (this) {
        n = finished.incrementAndGet();
        lastAt = now;
      }
      CompletableFuture<Long> waiting = reached.get(n);
      if (waiting != null) waiting.complete(now);
    }));
  }

  CompletableFuture<Long> arrival(String taskId) {
    return arrivals.computeIfAbsent(taskId, k -> new CompletableFuture<>());
  }

  long finished() {
    return finished.get();
  }

  long failed() {
    return failed.get();
  }

  /**
   * The nanoTime at which the {@code n}-th finished task was heard of; waits up to {@code timeoutSeconds}.
   * Registered before the count can pass it only if called before; if it has passed, answers now.
   */
  long awaitCount(long n, long timeoutSeconds) throws Exception {
    CompletableFuture<Long> f = reached.computeIfAbsent(n, k -> new CompletableFuture<>());
    synchronized (this) {
      // Already passed: exact when n is the count now (the last one heard of), else an upper bound.
      if (finished.get() >= n && !f.isDone()) f.complete(lastAt);
    }
    return f.get(timeoutSeconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    for (AutoCloseable s : subscriptions) {
      try {
        s.close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
  }
}
