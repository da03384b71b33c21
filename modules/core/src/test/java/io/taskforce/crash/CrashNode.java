package io.taskforce.crash;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.Taskforce;
import io.taskforce.TaskforceConfig;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.Page;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import io.taskforce.spi.TaskExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A Taskforce node in a JVM of its own, for {@link CrashRecoveryTest}, which kills it with SIGKILL
 * and restarts it on the same data directory.
 *
 * <ul>
 *   <li>{@code dispatch <dataDir> <count> <acceptedFile> <startedFile> <attemptedFile>}: dispatches
 *       {@code count} "core" tasks into two sessions (each running at most 2 at once, the node at
 *       most 3), alternating {@code maxAttempts=2, retryOn=[node-lost]} and the default
 *       {@code maxAttempts=1}, of 1.5, 2.5 and 3.5 s; each id goes to {@code acceptedFile} (fsync'd)
 *       only after its dispatch answered. Then it keeps dispatching short "extra" tasks into a third
 *       session from a few threads, writing each
 *       id to {@code attemptedFile} before and to {@code acceptedFile} after its dispatch, so that
 *       the kill lands in the middle of dispatches. It never exits by itself.
 *   <li>{@code recover <dataDir> <acceptedFile> <reportFile> <startedFile> <attemptedFile>}: starts
 *       the node on the same data directory, dispatches nothing and asks no entity anything until
 *       the read model (which wakes nothing) shows every accepted task final, or a deadline passes;
 *       then queries every task and every session's feed and writes a JSON report, and exits 0.
 * </ul>
 *
 * <p>The executor {@code work} appends {@code started <taskId> <attempt> <pid> <epochMillis>} to the
 * started file when an attempt starts and {@code done ...} when its work is finished (just before
 * it returns its result).
 */
public final class CrashNode {
  static final String TENANT = "default";
  static final String SESSION_A = "crash-a";
  static final String SESSION_B = "crash-b";
  static final String SESSION_X = "crash-x";
  static final List<String> SESSIONS = List.of(SESSION_A, SESSION_B, SESSION_X);
  static final int MAX_RUNNING = 3;
  static final int SESSION_CONCURRENCY = 2;
  static final int CORE_STEPS = 15;
  static final int CORE_STEP_MILLIS = 100;
  static final int EXTRA_STEPS = 2;
  static final int EXTRA_STEP_MILLIS = 50;
  static final int MAX_EXTRAS = 200;
  static final int EXTRA_DISPATCHERS = 4;
  static final int EXTRA_PACE_MILLIS = 25;
  static final Duration HANDS_OFF_DEADLINE = Duration.ofSeconds(40);
  static final Duration QUERY_DEADLINE = Duration.ofSeconds(20);
  static final Duration FEED_DEADLINE = Duration.ofSeconds(8);

  static final ObjectMapper JSON = new ObjectMapper();

  private CrashNode() {}

  public static void main(String[] args) throws Exception {
    try {
      switch (args[0]) {
        case "dispatch" -> dispatch(Path.of(args[1]), Integer.parseInt(args[2]), Path.of(args[3]), Path.of(args[4]),
            Path.of(args[5]));
        case "recover" -> {
          recover(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Path.of(args[4]), Path.of(args[5]));
          System.out.println("CRASHNODE recover finished");
          System.out.flush();
          System.exit(0);
        }
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    } catch (Throwable t) {
      System.err.println("CRASHNODE FATAL " + t);
      t.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(3);
    }
  }

  // ---- the node

  static Config config(Path dataDir) {
    // An experiment only (never set by the test itself): -Dcrash.h2.writeDelay=500 runs the node on
    // H2's default write delay, to show that this test notices the acknowledged writes it loses.
    String writeDelay = System.getProperty("crash.h2.writeDelay");
    String url = writeDelay == null ? "" : "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().toString()
        .replace('\\', '/') + "/taskforce;WRITE_DELAY=" + writeDelay + ";DB_CLOSE_ON_EXIT=FALSE";
    return TaskforceConfig.load(ConfigFactory.parseString(String.join("\n",
        "taskforce.persistence.h2.url = \"" + url + "\"",
        "taskforce.data-dir = \"" + dataDir.toAbsolutePath().toString().replace("\\", "/") + "\"",
        "taskforce.persistence.kind = h2",
        "taskforce.node.max-running = " + MAX_RUNNING,
        "pekko.actor.provider = cluster",
        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
        "pekko.remote.artery.canonical.port = 0",
        "pekko.loglevel = INFO",
        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
        "pekko.coordinated-shutdown.exit-jvm = off",
        "taskforce.task.retell-interval = 300ms",
        "taskforce.session.retell-interval = 300ms",
        "taskforce.task.retry-backoff-min = 50ms",
        "taskforce.task.retry-backoff-max = 200ms",
        "taskforce.task.progress-write-interval = 200ms")));
  }

  static Taskforce start(Config config, AppendLog started, AtomicInteger starts) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "crash", config);
    TaskExecutor work = TaskExecutor.blocking(ctx -> {
      int steps = ctx.input().path("steps").asInt(CORE_STEPS);
      long stepMillis = ctx.input().path("stepMillis").asLong(CORE_STEP_MILLIS);
      long pid = ProcessHandle.current().pid();
      starts.incrementAndGet();
      started.append("started " + ctx.taskId() + " " + ctx.attempt() + " " + pid + " " + System.currentTimeMillis());
      for (int i = 1; i <= steps; i++) {
        ctx.checkpoint();
        Thread.sleep(stepMillis); // the simulated work itself
        ctx.progress(i * 100 / steps, "step " + i + " of " + steps);
      }
      ctx.checkpoint();
      started.append("done " + ctx.taskId() + " " + ctx.attempt() + " " + pid + " " + System.currentTimeMillis());
      ObjectNode result = JSON.createObjectNode();
      result.put("steps", steps);
      result.put("attempt", ctx.attempt());
      result.put("pid", pid);
      return result;
    });
    return join(Taskforce.builder(system).executor("work", work).start(), Duration.ofSeconds(60));
  }

  // ---- dispatch mode

  static void dispatch(Path dataDir, int count, Path acceptedFile, Path startedFile, Path attemptedFile)
      throws Exception {
    Config config = config(dataDir);
    System.out.println("CRASHNODE dispatch pid " + ProcessHandle.current().pid() + " db "
        + config.getString("taskforce.persistence.db.url"));
    AppendLog accepted = new AppendLog(acceptedFile);
    AppendLog attempted = new AppendLog(attemptedFile);
    AppendLog started = new AppendLog(startedFile);
    Taskforce tf = start(config, started, new AtomicInteger());
    for (String session : List.of(SESSION_A, SESSION_B)) {
      join(tf.createSession(TENANT, new SessionSpec(session, "crash " + session, SESSION_CONCURRENCY, null)),
          Duration.ofSeconds(30));
    }
    join(tf.createSession(TENANT, new SessionSpec(SESSION_X, "crash extras", SESSION_CONCURRENCY, null)),
        Duration.ofSeconds(30));

    for (int i = 0; i < count; i++) {
      String session = i % 2 == 0 ? SESSION_A : SESSION_B;
      int inSession = i / 2;
      boolean retry = inSession % 2 == 0;
      String id = String.format("t-%03d", i);
      // Different lengths, so the first attempts end one after the other.
      int steps = CORE_STEPS + (i % 3) * 10;
      TaskSpec spec = TaskSpec.of("work", JSON.createObjectNode().put("steps", steps).put("stepMillis", CORE_STEP_MILLIS))
          .withId(id)
          .withTitle("core " + id)
          .withLabels(Map.of("kind", retry ? "retry" : "once"));
      if (retry) spec = spec.withRetries(2, Set.of(ErrorType.NODE_LOST));
      dispatchUntilAccepted(tf, session, spec);
      accepted.append(id);
    }
    System.out.println("CRASHNODE all " + count + " core tasks accepted");

    // Keep dispatching until killed, from a few threads at a pace, so that the kill lands between
    // dispatches and their answers.
    AtomicInteger next = new AtomicInteger();
    List<Thread> dispatchers = new ArrayList<>();
    for (int d = 0; d < EXTRA_DISPATCHERS; d++) {
      Thread thread = new Thread(() -> {
        for (int i = next.getAndIncrement(); i < MAX_EXTRAS; i = next.getAndIncrement()) {
          String id = String.format("x-%04d", i);
          TaskSpec spec = TaskSpec.of("work", JSON.createObjectNode().put("steps", EXTRA_STEPS)
                  .put("stepMillis", EXTRA_STEP_MILLIS))
              .withId(id)
              .withTitle("extra " + id)
              .withLabels(Map.of("kind", "extra"));
          attempted.append(id);
          try {
            join(tf.dispatch(TENANT, SESSION_X, spec), Duration.ofSeconds(30));
            accepted.append(id);
          } catch (RuntimeException e) {
            System.err.println("CRASHNODE extra dispatch " + id + " failed: " + e);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(EXTRA_PACE_MILLIS));
        }
      }, "extra-dispatcher-" + d);
      thread.start();
      dispatchers.add(thread);
    }
    for (Thread thread : dispatchers) thread.join();
    System.out.println("CRASHNODE all extras dispatched; waiting to be killed");
    while (true) LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
  }

  private static void dispatchUntilAccepted(Taskforce tf, String session, TaskSpec spec) {
    RuntimeException last = null;
    for (int tries = 0; tries < 5; tries++) {
      try {
        join(tf.dispatch(TENANT, session, spec), Duration.ofSeconds(30));
        return;
      } catch (RuntimeException e) {
        // A 503 may or may not have taken effect: the same id makes the retry exactly once.
        System.err.println("CRASHNODE dispatch " + spec.id() + " failed, retrying: " + e);
        last = e;
      }
    }
    throw last;
  }

  // ---- recover mode

  static void recover(Path dataDir, Path acceptedFile, Path reportFile, Path startedFile, Path attemptedFile)
      throws Exception {
    Instant processStart = Instant.now();
    Config config = config(dataDir);
    String dbUrl = config.getString("taskforce.persistence.db.url");
    System.out.println("CRASHNODE recover pid " + ProcessHandle.current().pid() + " db " + dbUrl);
    List<String> accepted = readIds(acceptedFile);
    Set<String> acceptedSet = new LinkedHashSet<>(accepted);
    List<String> attemptedOnly = readIds(attemptedFile).stream().filter(id -> !acceptedSet.contains(id)).toList();
    AppendLog started = new AppendLog(startedFile);
    AtomicInteger starts = new AtomicInteger();
    Taskforce tf = start(config, started, starts);
    Instant nodeStarted = Instant.now();
    System.out.println("CRASHNODE node started; hands off: watching the read model only");

    // Phase A: nobody asks any entity. The node must resume the work by itself.
    Map<String, String> readModel = new TreeMap<>();
    Map<String, String> firstReadModel = null;
    int startsAtFirstReadModel = -1;
    boolean allFinalHandsOff = false;
    long deadline = System.nanoTime() + HANDS_OFF_DEADLINE.toNanos();
    String readModelError = null;
    while (System.nanoTime() < deadline) {
      try {
        readModel = listAll(tf);
        if (firstReadModel == null) {
          firstReadModel = new TreeMap<>(readModel);
          startsAtFirstReadModel = starts.get();
        }
        Map<String, String> seen = readModel;
        // Every accepted task, and every task stored by a dispatch that was not answered (listed, but
        // not accepted): the orphan check judges those at the end of this phase too.
        if (acceptedSet.stream().allMatch(id -> isFinalWord(seen.get(id)))
            && seen.values().stream().allMatch(CrashNode::isFinalWord)) {
          allFinalHandsOff = true;
          break;
        }
      } catch (RuntimeException e) {
        readModelError = e.toString();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
    Instant handsOffEnd = Instant.now();
    int startsBeforeAnyQuery = starts.get();
    System.out.println("CRASHNODE hands-off phase ended: all final in read model " + allFinalHandsOff
        + ", attempts started " + startsBeforeAnyQuery);

    // Phase B: ask every task until every accepted one is final.
    Map<String, TaskView> views = new TreeMap<>();
    Map<String, String> queryErrors = new TreeMap<>();
    Set<String> absent = new LinkedHashSet<>();
    List<String> all = new ArrayList<>(accepted);
    all.addAll(attemptedOnly);
    long queryDeadline = System.nanoTime() + QUERY_DEADLINE.toNanos();
    while (true) {
      for (String id : all) {
        TaskView known = views.get(id);
        if ((known != null && known.status().isFinal()) || absent.contains(id)) continue;
        try {
          views.put(id, join(tf.task(TENANT, id), Duration.ofSeconds(15)));
          queryErrors.remove(id);
        } catch (NotFoundException e) {
          if (acceptedSet.contains(id)) {
            queryErrors.put(id, "NOT FOUND: " + e.getMessage());
          } else {
            absent.add(id);
          }
        } catch (RuntimeException e) {
          queryErrors.put(id, e.toString());
        }
      }
      boolean done = all.stream().allMatch(id -> absent.contains(id)
          || (views.get(id) != null && views.get(id).status().isFinal()));
      if (done || System.nanoTime() > queryDeadline) break;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }

    // The feeds: wait until every final task has its final event, then read once more after a few
    // retell intervals to catch late duplicates.
    Map<String, List<FeedEvent>> feeds = new LinkedHashMap<>();
    Map<String, String> feedErrors = new TreeMap<>();
    long feedDeadline = System.nanoTime() + FEED_DEADLINE.toNanos();
    while (true) {
      readFeeds(tf, feeds, feedErrors);
      Set<String> withFinal = new LinkedHashSet<>();
      feeds.values().forEach(events -> events.stream().filter(e -> e.type().isFinal())
          .forEach(e -> withFinal.add(e.taskId())));
      boolean complete = views.values().stream().filter(v -> v.status().isFinal())
          .allMatch(v -> withFinal.contains(v.id()));
      if (complete || System.nanoTime() > feedDeadline) break;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500));
    readFeeds(tf, feeds, feedErrors);

    ObjectNode report = JSON.createObjectNode();
    report.put("dbUrl", dbUrl);
    report.put("processStart", processStart.toString());
    report.put("nodeStarted", nodeStarted.toString());
    report.put("handsOffEnd", handsOffEnd.toString());
    report.put("allFinalInReadModelBeforeAnyQuery", allFinalHandsOff);
    report.put("attemptsStartedBeforeAnyQuery", startsBeforeAnyQuery);
    report.put("attemptsStartedAtFirstReadModelLook", startsAtFirstReadModel);
    report.put("attemptsStartedTotal", starts.get());
    if (readModelError != null) report.put("readModelError", readModelError);
    report.set("readModelFirst", JSON.valueToTree(firstReadModel == null ? Map.of() : firstReadModel));
    report.set("readModelBeforeAnyQuery", JSON.valueToTree(readModel));
    report.set("accepted", JSON.valueToTree(accepted));
    report.set("attemptedNotAccepted", JSON.valueToTree(attemptedOnly));
    report.set("absent", JSON.valueToTree(absent));
    report.set("queryErrors", JSON.valueToTree(queryErrors));
    report.set("feedErrors", JSON.valueToTree(feedErrors));
    ObjectNode tasks = report.putObject("tasks");
    for (var e : views.entrySet()) {
      TaskView v = e.getValue();
      ObjectNode t = tasks.putObject(e.getKey());
      t.put("session", v.sessionId());
      t.put("status", v.status().wire());
      t.put("attempt", v.attempt());
      t.put("maxAttempts", v.maxAttempts());
      t.put("kind", v.labels().getOrDefault("kind", ""));
      if (v.error() != null) {
        t.put("errorType", v.error().type().wire());
        t.put("errorMessage", v.error().message());
      }
      if (v.result() != null) t.set("result", v.result());
      if (v.startedAt() != null) t.put("startedAt", v.startedAt().toString());
      if (v.finishedAt() != null) t.put("finishedAt", v.finishedAt().toString());
    }
    ObjectNode sessions = report.putObject("sessions");
    for (var e : feeds.entrySet()) {
      ObjectNode s = sessions.putObject(e.getKey());
      Map<String, Integer> finals = new TreeMap<>();
      ArrayNode events = s.putArray("events");
      for (FeedEvent event : e.getValue()) {
        ObjectNode ev = events.addObject();
        ev.put("seq", event.seq());
        ev.put("type", event.type().wire());
        ev.put("taskId", event.taskId());
        ev.put("status", event.status().wire());
        if (event.attempt() != null) ev.put("attempt", event.attempt());
        ev.put("at", event.at().toString());
        if (event.error() != null) ev.put("errorType", event.error().type().wire());
        if (event.type().isFinal()) finals.merge(event.taskId(), 1, Integer::sum);
      }
      s.set("finalEventsPerTask", JSON.valueToTree(finals));
    }
    Path tmp = reportFile.resolveSibling(reportFile.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    Files.move(tmp, reportFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("CRASHNODE report written to " + reportFile);

    tf.system().terminate();
    try {
      tf.system().getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("CRASHNODE the ActorSystem did not terminate in time: " + e);
    }
  }

  private static void readFeeds(Taskforce tf, Map<String, List<FeedEvent>> feeds, Map<String, String> errors) {
    for (String session : SESSIONS) {
      try {
        feeds.put(session, join(tf.readFeed(TENANT, session, 0, 100_000), Duration.ofSeconds(15)));
        errors.remove(session);
      } catch (RuntimeException e) {
        errors.put(session, e.toString());
      }
    }
  }

  /** Every task of the tenant as the read model has it: id to status word. Wakes no entity. */
  private static Map<String, String> listAll(Taskforce tf) {
    Map<String, String> statuses = new HashMap<>();
    String cursor = null;
    do {
      Page<TaskView> page = join(tf.list(TENANT, null, new TaskFilter(Set.of(), TaskFilter.MAX_LIMIT, cursor)),
          Duration.ofSeconds(15));
      page.items().forEach(t -> statuses.put(t.id(), t.status().wire()
          + (t.error() != null ? "/" + t.error().type().wire() : "") + "#" + t.attempt()));
      cursor = page.nextCursor();
    } while (cursor != null);
    return new TreeMap<>(statuses);
  }

  static boolean isFinalWord(String status) {
    return status != null
        && (status.startsWith("completed") || status.startsWith("failed") || status.startsWith("cancelled"));
  }

  // ---- plumbing

  static List<String> readIds(Path file) throws IOException {
    if (!Files.exists(file)) return List.of();
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
        .filter(l -> !l.isEmpty()).distinct().toList();
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> stage, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + timeout, e);
    }
  }

  /** A file of lines; each line reaches the disk (fsync) before {@link #append} returns. */
  static final class AppendLog {
    private final FileChannel channel;

    AppendLog(Path file) {
      try {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    synchronized void append(String line) {
      try {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) channel.write(bytes);
        channel.force(true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
