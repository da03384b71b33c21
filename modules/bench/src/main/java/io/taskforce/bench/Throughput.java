package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * 4. End-to-end throughput: N tasks dispatched as fast as they are accepted (at most 256
 * unanswered at once) over the run's sessions; tasks/s from the first dispatch sent to the last
 * completion heard of on the sessions' feeds. Also the journal rows it wrote, per task and per
 * second (the figure the raw-limit scenario compares with).
 */
final class Throughput implements Scenario {
  static final String NAME = "throughput";
  static final int INFLIGHT = 256;

  /** The node's slots for no-op tasks: JobRunr's default worker count on this machine. */
  static final int NOOP_SLOTS = 8 * Runtime.getRuntime().availableProcessors();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "N no-op (and N `process` true) tasks dispatched as fast as accepted; tasks/s first dispatch to last completion";
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    ObjectNode trueCommand = JsonNodeFactory.instance.objectNode();
    trueCommand.putArray("command").add("true");
    List<Object[]> cases = new ArrayList<>();
    for (int n : params.throughputNs()) cases.add(new Object[] {"noop", n, Probe.input(null)});
    if (params.processN() > 0) cases.add(new Object[] {"process", params.processN(), trueCommand});
    for (Target.Api api : apis) {
      for (Object[] c : cases) {
        String executor = (String) c[0];
        int n = (Integer) c[1];
        JsonNode input = (JsonNode) c[2];
        // A fresh database and node for each case: N tasks of one case do not weigh on the next.
        // No-op tasks hold a slot for microseconds, so the node gets as many slots as JobRunr gets
        // workers by default (8 x cores): with Taskforce's own default (2 x cores, for processes)
        // the figure would be the slots' turnover, not the system's. `process` keeps the default.
        String slots = executor.equals("noop") ? "taskforce.node.max-running = " + NOOP_SLOTS : "";
        try (Database database = Database.fresh(db); Node node = Node.start(database, slots);
            Client client = node.client(api)) {
          List<String> sessions = Load.sessions(client, "tp", params.sessions(), 4);
          try (Completions done = new Completions(false)) {
            for (String s : sessions) done.follow(client, s);
            // Warm-up outside the measurement, then the journal's count before.
            int warm = Math.min(200, n);
            Load.burst(client, sessions, warm, executor, input, INFLIGHT);
            done.awaitCount(warm, 120);
            Thread.sleep(500);
            long rowsBefore = database.journalRows();
            long base = done.finished();
            Load.Burst burst = Load.burst(client, sessions, n, executor, input, INFLIGHT);
            long last = done.awaitCount(base + n - burst.errors(), 300 + n / 20);
            double seconds = Load.seconds(last - burst.firstSent());
            Thread.sleep(1500); // the confirmations and forgets that follow the last completion
            long rows = database.journalRows() - rowsBefore;
            String metric = executor + " N=" + n;
            String sys = "taskforce";
            run.value(NAME, sys, db.wire(), api.wire(), metric + " tasks/s", n / seconds, "tasks/s", n,
                executor.equals("process")
                    ? "process start and exit (fork/exec) on 2 cores, and the node's slots (taskforce.node.max-running)"
                    : "journal writes: about " + Math.round((double) rows / n) + " rows per task, through the journal's "
                        + "batching writer; CPU shared with the load generator; " + NOOP_SLOTS + " slots (JobRunr's "
                        + "default workers, 8 x cores)");
            run.value(NAME, sys, db.wire(), api.wire(), metric + " dispatch accepted/s",
                n / Load.seconds(burst.lastAccepted() - burst.firstSent()), "tasks/s", n,
                "the Created write per dispatch, 256 in flight");
            run.value(NAME, sys, db.wire(), api.wire(), metric + " journal rows/task", (double) rows / n, "rows", n,
                "the protocol (docs/benchmarks.md, journal rows per task) plus progress rows and the sessions' share");
            run.value(NAME, sys, db.wire(), api.wire(), metric + " journal rows/s", rows / seconds, "rows/s", n,
                "compare with raw-limit rows/s on the same database");
            run.value(NAME, sys, db.wire(), api.wire(), metric + " errors", burst.errors() + done.failed(), "tasks", n,
                "refused dispatches and tasks that did not complete");
          }
        }
      }
    }
  }
}
