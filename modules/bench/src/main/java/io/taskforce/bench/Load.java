package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Helpers the scenarios share. */
final class Load {
  private Load() {}

  static List<String> sessions(Client client, String prefix, int count, int maxConcurrent) throws Exception {
    List<String> ids = new ArrayList<>();
    List<CompletableFuture<Void>> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = prefix + "-" + i;
      ids.add(id);
      created.add(client.createSession(id, maxConcurrent));
    }
    CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    return ids;
  }

  /**
   * Runs {@code params.jitWarmUpTasks()} no-op tasks through {@code client} and waits for them, before
   * a scenario measures: the code of dispatch, start, completion and notification is compiled by
   * then (the JIT compiler otherwise takes a core of the two for the first half minute or so of a
   * run), and the journal's tables and pools are warm. Not measured.
   */
  static void warmUpJit(Client client, Params params) throws Exception {
    int n = params.jitWarmUpTasks();
    if (n <= 0) return;
    List<String> sessions = sessions(client, "jit", 16, 4);
    try (Completions done = new Completions(false)) {
      for (String s : sessions) done.follow(client, s);
      Burst burst = burst(client, sessions, n, "noop", Probe.input(null), 64);
      done.awaitCount(n - burst.errors(), 120 + n / 20);
    }
  }

  /** Waits until {@link System#nanoTime()} reaches {@code deadline}: parks, then spins the last 50 µs. */
  static void waitUntil(long deadline) {
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return;
      if (left > 100_000) LockSupport.parkNanos(left - 50_000);
      else Thread.onSpinWait();
    }
  }

  /** The result of dispatching as fast as accepted. */
  record Burst(long firstSent, long lastAccepted, long errors) {}

  /**
   * Dispatches {@code n} tasks round-robin over {@code sessions}, keeping at most {@code inflight}
   * unanswered at once (a client that sends the next as soon as one is accepted).
   */
  static Burst burst(Client client, List<String> sessions, int n, String executor, JsonNode input, int inflight)
      throws Exception {
    Semaphore permits = new Semaphore(inflight);
    AtomicLong errors = new AtomicLong();
    AtomicLong lastAccepted = new AtomicLong();
    long first = System.nanoTime();
    for (int i = 0; i < n; i++) {
      permits.acquire();
      client.dispatch(sessions.get(i % sessions.size()), executor, input).whenComplete((id, failure) -> {
        if (failure != null) {
          if (errors.incrementAndGet() <= 3) System.err.println("bench: dispatch failed: " + failure);
        }
        lastAccepted.accumulateAndGet(System.nanoTime(), Math::max);
        permits.release();
      });
    }
    if (!permits.tryAcquire(inflight, 300, TimeUnit.SECONDS)) throw new IllegalStateException("dispatches unanswered");
    return new Burst(first, lastAccepted.get(), errors.get());
  }

  /** Heap in use after the collector ran (three times, settled): the live set, near enough. */
  static long usedHeapAfterGc() {
    long used = 0;
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
    return used;
  }

  /**
   * The share of one core the whole JVM used over {@code window} (process CPU time over wall
   * time): 1.0 is one core busy. Includes the GC, the JIT and the generator's own threads.
   */
  static double processCpuShare(java.time.Duration window) throws InterruptedException {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Thread.sleep(window.toMillis());
    return (double) (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
