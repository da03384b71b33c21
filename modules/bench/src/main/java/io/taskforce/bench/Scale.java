package io.taskforce.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * 6. Scale: the heap each idle running task costs (N tasks of the {@code hold} executor running at
 * once, no thread or process each), the recovery time after a restart with those N unfinished
 * tasks (from the new node's start to all N running again), and the journal rows of one task's
 * whole lifecycle. In-process only: the HTTP API changes none of these.
 */
final class Scale implements Scenario {
  static final String NAME = "scale";
  static final int PER_SESSION = 5_000;
  static final long DEFAULT_TAIL = 1L << 20;
  static final long SMALL_TAIL = 16L << 10;
  static final Duration CPU_WINDOW = Duration.ofSeconds(10);
  /** How long the recovery may take before the scenario gives up on it (and says so). */
  static final int RECOVERY_LIMIT_SECONDS = 600;
  /** The shards' shutdown phase above {@link #WAVE} tasks: long enough for N hand-off writes. */
  static final int HAND_OFF_PHASE_SECONDS = 120;
  /** Tasks dispatched at once; more are dispatched in waves of this size. */
  static final int WAVE = 10_000;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "heap per idle running task (N at once), recovery time after a restart with N unfinished, journal rows per task";
  }

  @Override
  public List<Target.Api> apis() {
    return List.of(Target.Api.INPROCESS);
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    for (int n : params.scaleNs()) {
      // Each running attempt allocates its output tail up front (taskforce.task.output-tail-bytes,
      // 1 MiB by default). Where N of them would not fit in half the heap, the run says so and uses
      // a smaller tail, named in the figure, rather than dying of an OutOfMemoryError.
      long tail = DEFAULT_TAIL;
      if (n * DEFAULT_TAIL > Runtime.getRuntime().maxMemory() / 2) {
        tail = SMALL_TAIL;
        run.note(NAME + " " + db.wire() + " N=" + n + ": " + n + " x the default 1 MiB output tail exceeds half the heap ("
            + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); measured with output-tail-bytes = " + tail / 1024 + " KiB");
      }
      String tailName = tail >= (1 << 20) ? (tail >> 20) + "MiB" : (tail >> 10) + "KiB";
      String overrides = "taskforce.node.max-running = " + (n + 100) + "\ntaskforce.task.output-tail-bytes = " + tail + "\n";
      if (n > WAVE) {
        // The stop hands off N running attempts, a write each, in the shards' shutdown phase (10 s by
        // default): what docs/operations.md tells operators of nodes running tens of thousands to do.
        overrides += "pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = "
            + HAND_OFF_PHASE_SECONDS + "s\n";
      }
      try (Database database = Database.fresh(db)) {
        long stopFrom;
        try (Node node = Node.start(database, overrides); Client client = node.client(Target.Api.INPROCESS)) {
          if (n == params.scaleNs().get(0)) rowsPerTask(database, client, params, run);
          int sessionCount = (n + PER_SESSION - 1) / PER_SESSION;
          List<String> sessions = Load.sessions(client, "hold", sessionCount, PER_SESSION);
          long heapBefore = Load.usedHeapAfterGc();
          Duration cpuWindow = params.duration().compareTo(CPU_WINDOW) < 0 ? params.duration() : CPU_WINDOW;
          double cpuWithout = Load.processCpuShare(cpuWindow);
          long startedBefore = Probe.HOLDS_STARTED.get();
          long t0 = System.nanoTime();
          // In waves, each running before the next: one burst of 100,000 overloads a 2-core node's
          // journal (docs/benchmarks.md, "Scale"), and idle tasks weigh the same however they came.
          for (int dispatched = 0; dispatched < n; ) {
            int wave = Math.min(WAVE, n - dispatched);
            Load.Burst burst = Load.burst(client, sessions, wave, "hold", Probe.input(null), Throughput.INFLIGHT);
            if (burst.errors() > 0) throw new IllegalStateException(burst.errors() + " dispatches refused");
            dispatched += wave;
            awaitHolds(startedBefore + dispatched, 120 + wave / 100);
          }
          double toRunning = Load.seconds(System.nanoTime() - t0);
          long heapAfter = Load.usedHeapAfterGc();
          run.value(NAME, "taskforce", db.wire(), "inprocess", "heap per running task N=" + n + " tail=" + tailName,
              (double) (heapAfter - heapBefore) / n, "bytes", n,
              "the running attempt's output ring (256 B, growing up to " + tailName + " as output comes), the task entity and its state, "
                  + "its runner actor, the session's entry and sharding's bookkeeping; measured as used heap after GC, before and after");
          run.value(NAME, "taskforce", db.wire(), "inprocess", "dispatch to all running N=" + n, toRunning, "s", n,
              "dispatch throughput and the start grants of the sessions" + (n > WAVE ? "; dispatched in waves of "
                  + WAVE + ", each running before the next" : ""));
          Thread.sleep(cpuWindow.toMillis()); // the read model's projections catch up with the dispatches first
          double cpuWith = Load.processCpuShare(cpuWindow);
          run.value(NAME, "taskforce", db.wire(), "inprocess", "idle CPU, no task running", cpuWithout * 100,
              "% of a core", 1, "the node's timers and heartbeats, the read model's polls, the JVM; process CPU time over "
                  + cpuWindow.toSeconds() + " s, before the dispatches");
          run.value(NAME, "taskforce", db.wire(), "inprocess", "idle CPU with N=" + n + " running", cpuWith * 100,
              "% of a core", n, "what idle running tasks cost: the sessions' wake-up of their started tasks "
                  + "(taskforce.session.wake-interval), plus the above; process CPU time over " + cpuWindow.toSeconds()
                  + " s, starting " + cpuWindow.toSeconds() + " s after all are running and the heap was measured");
          stopFrom = System.nanoTime();
        }
        run.value(NAME, "taskforce", db.wire(), "inprocess", "node stop with N=" + n + " running", Load.seconds(System.nanoTime() - stopFrom),
            "s", n, "the coordinated shutdown: each running attempt handed off stores AttemptInterrupted, all in the shards' "
                + "shutdown phase (" + (n > WAVE ? HAND_OFF_PHASE_SECONDS + " s here" : "10 s, Pekko's default") + ")");
        // The node is gone (its tasks handed back unfinished); a new node on the same database.
        long startedBefore = Probe.HOLDS_STARTED.get();
        long t0 = System.nanoTime();
        try (Node node = Node.start(database, overrides)) {
          double nodeUp = Load.seconds(System.nanoTime() - t0);
          awaitHolds(startedBefore + n, Math.min(RECOVERY_LIMIT_SECONDS, 300 + n / 50));
          double recovered = Load.seconds(System.nanoTime() - t0);
          run.value(NAME, "taskforce", db.wire(), "inprocess", "node start N=" + n, nodeUp, "s", 1,
              "ActorSystem, cluster join, table checks, the read model");
          run.value(NAME, "taskforce", db.wire(), "inprocess", "recovery to all running N=" + n, recovered, "s", n,
              "the sessions come back (remembered entities, 50 per 100 ms) and hand their started tasks to the node's "
                  + "waker, which wakes 2,000 at a time (taskforce.node.wake-window); each task replays its events, tells its session of the hand-off, "
                  + "is granted a start again and asks the node for a slot: three journal writes");
        }
      }
    }
  }

  private static void rowsPerTask(Database database, Client client, Params params, Run run) throws Exception {
    String session = Load.sessions(client, "rows", 1, 4).get(0);
    int k = Math.max(5, Math.min(100, params.samples()));
    try (Completions done = new Completions(false)) {
      done.follow(client, session);
      Thread.sleep(500);
      long before = database.journalRows();
      for (int i = 0; i < k; i++) {
        client.dispatch(session, "noop", Probe.input(null)).get(30, TimeUnit.SECONDS);
        done.awaitCount(i + 1, 30);
      }
      Thread.sleep(2000); // the final confirmations and forgets
      long rows = database.journalRows() - before;
      run.value(NAME, "taskforce", database.kind().wire(), "inprocess", "journal rows per task lifecycle",
          (double) rows / k, "rows", k,
          "the protocol: task Created/Started/Completed/ReportsConfirmed, session ReportApplied x3 and a share of "
              + "TasksForgotten (tasks are not remembered entities: no rows of sharding's store per task)");
    }
  }

  private static void awaitHolds(long target, long timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (Probe.HOLDS_STARTED.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + Probe.HOLDS_STARTED.get() + " of " + target + " hold attempts started");
      }
      Thread.sleep(20);
    }
  }
}
