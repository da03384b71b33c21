package io.taskforce.server.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Waits with a deadline by polling a probe: no fixed sleeps. */
final class Await {
  private Await() {}

  /**
   * Calls {@code probe} every {@code every} until it answers non-null (that answer is returned) or
   * {@code within} has passed (an AssertionError that says what was awaited and what the probe
   * last answered or threw). A probe says "not yet" by answering null or by throwing.
   */
  static <T> T until(String what, Duration within, Duration every, Callable<T> probe) {
    long deadline = System.nanoTime() + within.toNanos();
    Throwable last = null;
    while (true) {
      try {
        T answer = probe.call();
        if (answer != null) return answer;
        last = null;
      } catch (Hopeless e) {
        throw new AssertionError("while waiting for " + what + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      } catch (Exception | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError failure = new AssertionError("not within " + within + ": " + what
            + (last != null ? " (last: " + last + ")" : ""));
        if (last != null) failure.initCause(last);
        throw failure;
      }
      LockSupport.parkNanos(every.toNanos());
      if (Thread.interrupted()) throw new IllegalStateException("interrupted while waiting for " + what);
    }
  }

  /** Thrown by a probe when waiting longer cannot help (a node exited): the wait fails at once. */
  static final class Hopeless extends RuntimeException {
    Hopeless(String message) {
      super(message);
    }
  }

  /** {@link #until} for a condition. */
  static void untilTrue(String what, Duration within, Duration every, Callable<Boolean> condition) {
    until(what, within, every, () -> Boolean.TRUE.equals(condition.call()) ? Boolean.TRUE : null);
  }

  static long millisSince(long nanoTime) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
  }
}
