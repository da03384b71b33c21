package io.taskforce.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * 3. Completion-to-notification: from the executor's return to the {@code task.completed} event
 * reaching a subscribed client (HTTP: an SSE stream; in-process: a feed subscription).
 */
final class CompletionToNotification implements Scenario {
  static final String NAME = "completion-to-notification";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "executor's return to the task.completed event at a subscribed client (SSE / facade) (p50/p99)";
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    for (Target.Api api : apis) {
      try (Database database = Database.fresh(db); Node node = Node.start(database, "");
          Client client = node.client(api)) {
        Load.warmUpJit(client, params);
        String session = Load.sessions(client, "c2n", 1, 4).get(0);
        try (Completions done = new Completions(true)) {
          done.follow(client, session);
          int warmup = Math.min(20, params.samples());
          Histogram h = Run.histogram();
          for (int k = 0; k < warmup + params.samples(); k++) {
            String key = "c2n-" + db.wire() + "-" + api.wire() + "-" + k;
            String taskId = client.dispatch(session, "noop", Probe.input(key)).get(30, TimeUnit.SECONDS);
            long returned = Probe.returned(key).get(30, TimeUnit.SECONDS);
            long heard = done.arrival(taskId).get(30, TimeUnit.SECONDS);
            if (k >= warmup) h.recordValue(Math.max(0, heard - returned));
            Probe.forget(key);
            Thread.sleep(20);
          }
          run.latencies(NAME, "taskforce", db.wire(), api.wire(), "completion-to-notification", h,
              "the task's Completed write, its report to the session, the session's ReportApplied write, then "
                  + "pub-sub to the subscriber" + (api == Target.Api.HTTP ? " and the SSE frame" : ""),
              "p50", "p99", "max");
        }
      }
    }
  }
}
