package io.taskforce.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * 2. Dispatch-to-start on an idle system: one task at a time, from the moment the client sends
 * the dispatch to its executor's first line of work.
 */
final class DispatchToStart implements Scenario {
  static final String NAME = "dispatch-to-start";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "idle system, one no-op task at a time: dispatch sent to the executor's first line (p50/p99)";
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    for (Target.Api api : apis) {
      try (Database database = Database.fresh(db); Node node = Node.start(database, "");
          Client client = node.client(api)) {
        Load.warmUpJit(client, params);
        String session = Load.sessions(client, "d2s", 1, 4).get(0);
        try (Completions done = new Completions(false)) {
          done.follow(client, session);
          int warmup = Math.min(20, params.samples());
          Histogram h = Run.histogram();
          for (int k = 0; k < warmup + params.samples(); k++) {
            String key = "d2s-" + db.wire() + "-" + api.wire() + "-" + k;
            long sent = System.nanoTime();
            client.dispatch(session, "noop", Probe.input(key)).get(30, TimeUnit.SECONDS);
            long started = Probe.started(key).get(30, TimeUnit.SECONDS);
            if (k >= warmup) h.recordValue(started - sent);
            Probe.forget(key);
            done.awaitCount(k + 1, 30); // idle again before the next one
            Thread.sleep(20);
          }
          run.latencies(NAME, "taskforce", db.wire(), api.wire(), "dispatch-to-start", h,
              "Created write, then the session's Registered write and start grant, then the task's Started write: "
                  + "three journal round trips in sequence", "p50", "p99", "max");
        }
      }
    }
  }
}
