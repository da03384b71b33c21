package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * 1. Dispatch latency under open-loop load: no-op tasks sent at a fixed rate on a schedule that
 * never waits for answers; each latency runs from the request's intended send time to its answer
 * (the 202, or the facade's completion), so a stall delays every request scheduled during it, as
 * it would delay real clients (coordinated omission corrected).
 */
final class DispatchLatency implements Scenario {
  static final String NAME = "dispatch-latency";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "open-loop no-op dispatches at fixed rates; time from intended send to 202 (p50/p90/p99/max)";
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    for (Target.Api api : apis) {
      try (Database database = Database.fresh(db); Node node = Node.start(database, "");
          Client client = node.client(api)) {
        Load.warmUpJit(client, params);
        for (int rate : params.rates()) {
          List<String> sessions = Load.sessions(client, "lat-" + rate, params.sessions(), 4);
          try (Completions done = new Completions(false)) {
            for (String s : sessions) done.follow(client, s);
            long warm = Math.min(200, Math.max(10, rate));
            Result warmup = openLoop(client, sessions, rate, warm);
            long total = Math.max(1, Math.round(rate * (params.duration().toMillis() / 1000.0)));
            Result r = openLoop(client, sessions, rate, total);
            String metric = "dispatch@" + rate + "/s";
            run.latencies(NAME, "taskforce", db.wire(), api.wire(), metric, r.latencies, bound(api));
            run.value(NAME, "taskforce", db.wire(), api.wire(), metric + " sent", r.sentPerSecond, "req/s", total,
                "the schedule; below the rate means the generator itself fell behind");
            run.value(NAME, "taskforce", db.wire(), api.wire(), metric + " errors", r.errors, "requests", total,
                "refusals and timeouts");
            // Let the backlog run off before the next rate, so rates do not overlap.
            long expected = warm + total;
            try {
              done.awaitCount(expected - warmup.errors - r.errors, 120 + total / 50);
            } catch (java.util.concurrent.TimeoutException e) {
              run.note(NAME + " " + db.wire() + "/" + api.wire() + " @" + rate + "/s: backlog not drained after the run ("
                  + done.finished() + " of " + expected + " finished)");
            }
          }
        }
      }
    }
  }

  static String bound(Target.Api api) {
    return "the Created write (journal batch round trip) and the session's PrepareDispatch ask"
        + (api == Target.Api.HTTP ? ", plus HTTP parsing and JSON on a 2-core machine shared with the generator" : "");
  }

  record Result(ConcurrentHistogram latencies, double sentPerSecond, long errors) {}

  private static final JsonNode NO_INPUT = Probe.input(null);

  static Result openLoop(Client client, List<String> sessions, int rate, long count) throws Exception {
    ConcurrentHistogram h = new ConcurrentHistogram(3_600_000_000_000L, 3);
    AtomicLong errors = new AtomicLong();
    CompletableFuture<?>[] all = new CompletableFuture<?>[(int) count];
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime() + 5_000_000;
    for (int i = 0; i < count; i++) {
      long intended = start + i * interval;
      Load.waitUntil(intended);
      all[i] = client.dispatch(sessions.get(i % sessions.size()), "noop", NO_INPUT).whenComplete((id, failure) -> {
        long now = System.nanoTime();
        if (failure != null) {
          if (errors.incrementAndGet() <= 3) System.err.println("bench: dispatch failed: " + failure);
        } else {
          h.recordValue(now - intended);
        }
      });
    }
    long sendingEnded = System.nanoTime();
    try {
      CompletableFuture.allOf(all).get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException ignored) {
      // counted as errors above
    }
    double sentPerSecond = count / Load.seconds(Math.max(1, sendingEnded - start));
    return new Result(h, sentPerSecond, errors.get());
  }
}
