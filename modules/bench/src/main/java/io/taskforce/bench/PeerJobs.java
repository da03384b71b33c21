package io.taskforce.bench;

import java.util.concurrent.atomic.AtomicLong;

/** The JobRunr peer's job: a no-op that tells the harness when it started (by probe key). */
public final class PeerJobs {
  private PeerJobs() {}

  static final AtomicLong DONE = new AtomicLong();

  public static void noop(String key) {
    long first = System.nanoTime();
    if (key != null && !key.isEmpty()) Probe.started(key).complete(first);
    DONE.incrementAndGet();
  }
}
