package io.taskforce.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.common.SqlStorageProviderFactory;

/**
 * The peer: JobRunr (its SQL storage on the same fresh database, a HikariCP pool of the size of
 * Taskforce's, its background job server in this JVM with its defaults except the poll interval,
 * set to 5 s, the smallest its SQL storage accepts). Measured as Taskforce is, in-process:
 * enqueue latency under the same open-loop rates (a pool of 64 threads calls the blocking
 * {@code enqueue} at each intended time), dispatch-to-start of single jobs, end-to-end throughput
 * of N no-op jobs (first enqueue to the N-th job counted SUCCEEDED in the database), and the heap
 * per enqueued job.
 */
final class JobRunrPeer implements Scenario {
  static final String NAME = "jobrunr";
  static final Duration POLL = Duration.ofSeconds(5);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "the peer, JobRunr " + version() + " on the same database: enqueue latency, dispatch-to-start, throughput, heap";
  }

  static String version() {
    String v = JobRunr.class.getPackage().getImplementationVersion();
    return v == null ? "?" : v;
  }

  @Override
  public List<Target.Api> apis() {
    return List.of(Target.Api.INPROCESS);
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    String sys = "jobrunr";
    try (Database database = Database.fresh(db); HikariDataSource ds = pool(database)) {
      // Heap per enqueued job first, with no background job server (so the jobs stay enqueued).
      StorageProvider storage = SqlStorageProviderFactory.using(ds);
      JobScheduler scheduler = JobRunr.configure().useStorageProvider(storage).initialize().getJobScheduler();
      int heapN = params.scaleNs().get(0);
      long before = Load.usedHeapAfterGc();
      enqueueBurst(scheduler, heapN, "");
      long after = Load.usedHeapAfterGc();
      run.value(NAME, sys, db.wire(), "inprocess", "heap per enqueued job N=" + heapN, (double) (after - before) / heapN,
          "bytes", heapN, "JobRunr keeps waiting jobs in the database, not in memory");
      JobRunr.destroy();
    }

    try (Database database = Database.fresh(db); HikariDataSource ds = pool(database)) {
      StorageProvider storage = SqlStorageProviderFactory.using(ds);
      JobScheduler scheduler = JobRunr.configure().useStorageProvider(storage)
          .useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
              .andPollInterval(POLL))
          .initialize().getJobScheduler();
      try {
        Thread.sleep(1000);
        // Enqueue latency, open loop, as Taskforce's dispatch latency.
        ExecutorService callers = Executors.newFixedThreadPool(64);
        for (int rate : params.rates()) {
          long total = Math.max(1, Math.round(rate * (params.duration().toMillis() / 1000.0)));
          openLoop(scheduler, callers, rate, Math.min(200, Math.max(10, rate)));
          ConcurrentHistogram h = openLoop(scheduler, callers, rate, total);
          run.latencies(NAME, sys, db.wire(), "inprocess", "enqueue@" + rate + "/s", h,
              "one INSERT of the job (JSON) per enqueue, on the caller's thread");
        }
        callers.shutdown();
        awaitDrained(storage, 600);

        // Dispatch-to-start: single jobs, one every ~250 ms, so each finds idle workers.
        Histogram d2s = Run.histogram();
        int samples = params.smoke() ? 2 : Math.max(4, params.samples() / 2);
        List<CompletableFuture<Long>> starts = new java.util.ArrayList<>();
        List<Long> sent = new java.util.ArrayList<>();
        for (int k = 0; k < samples; k++) {
          String key = "jr-d2s-" + db.wire() + "-" + k;
          starts.add(Probe.started(key));
          sent.add(System.nanoTime());
          scheduler.enqueue(() -> PeerJobs.noop(key));
          Thread.sleep(200 + (k * 37) % 100);
        }
        for (int k = 0; k < samples; k++) {
          d2s.recordValue(starts.get(k).get(POLL.toSeconds() * 4, TimeUnit.SECONDS) - sent.get(k));
          Probe.forget("jr-d2s-" + db.wire() + "-" + k);
        }
        run.latencies(NAME, sys, db.wire(), "inprocess", "dispatch-to-start", d2s,
            "the poll interval (" + POLL.toSeconds() + " s, the smallest JobRunr's SQL storage allows): a job waits for the next poll",
            "p50", "p99", "max");

        // Throughput: N no-op jobs enqueued as fast as accepted (64 callers), to N succeeded.
        for (int n : params.throughputNs()) {
          long succeededBefore = storage.countJobs(StateName.SUCCEEDED);
          long first = System.nanoTime();
          long accepted = enqueueBurst(scheduler, n, "");
          long last = awaitSucceeded(storage, succeededBefore + n, 300 + n / 10);
          run.value(NAME, sys, db.wire(), "inprocess", "noop N=" + n + " tasks/s", n / Load.seconds(last - first),
              "tasks/s", n, "the poll interval and page size of its fetches, and its job-state UPDATEs; "
                  + "completion seen by polling the SUCCEEDED count every 50 ms");
          run.value(NAME, sys, db.wire(), "inprocess", "noop N=" + n + " dispatch accepted/s",
              n / Load.seconds(accepted - first), "tasks/s", n, "one INSERT per enqueue, 64 callers");
        }
      } finally {
        JobRunr.destroy();
      }
    }
  }

  private static HikariDataSource pool(Database database) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(database.url());
    config.setUsername(database.user());
    config.setPassword("");
    config.setMaximumPoolSize(16);
    config.setPoolName("jobrunr-peer");
    return new HikariDataSource(config);
  }

  /** Enqueues {@code n} no-op jobs from 64 threads as fast as accepted; answers when the last was accepted. */
  private static long enqueueBurst(JobScheduler scheduler, int n, String key) throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(64);
    Semaphore inflight = new Semaphore(256);
    AtomicLong last = new AtomicLong();
    for (int i = 0; i < n; i++) {
      inflight.acquire();
      callers.execute(() -> {
        try {
          scheduler.enqueue(() -> PeerJobs.noop(key));
        } finally {
          last.accumulateAndGet(System.nanoTime(), Math::max);
          inflight.release();
        }
      });
    }
    inflight.acquire(256);
    callers.shutdown();
    return last.get();
  }

  private static ConcurrentHistogram openLoop(JobScheduler scheduler, ExecutorService callers, int rate, long count)
      throws Exception {
    ConcurrentHistogram h = new ConcurrentHistogram(3_600_000_000_000L, 3);
    CompletableFuture<?>[] all = new CompletableFuture<?>[(int) count];
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime() + 5_000_000;
    for (int i = 0; i < count; i++) {
      long intended = start + i * interval;
      Load.waitUntil(intended);
      all[i] = CompletableFuture.runAsync(() -> {
        scheduler.enqueue(() -> PeerJobs.noop(""));
        h.recordValue(System.nanoTime() - intended);
      }, callers);
    }
    CompletableFuture.allOf(all).get(300, TimeUnit.SECONDS);
    return h;
  }

  private static void awaitDrained(StorageProvider storage, long timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (storage.countJobs(StateName.ENQUEUED) + storage.countJobs(StateName.PROCESSING) > 0) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("JobRunr: jobs still waiting");
      Thread.sleep(100);
    }
  }

  private static long awaitSucceeded(StorageProvider storage, long target, long timeoutSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (true) {
      long now = System.nanoTime();
      if (storage.countJobs(StateName.SUCCEEDED) >= target) return now;
      if (now > deadline) throw new IllegalStateException("JobRunr: fewer than " + target + " jobs succeeded in time");
      Thread.sleep(50);
    }
  }
}
