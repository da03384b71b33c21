package io.taskforce.examples;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.Taskforce;
import io.taskforce.TaskforceConfig;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.SessionView;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A host application that embeds Taskforce in an ActorSystem of its own: it registers its own
 * executor ({@link SummarizeExecutor}, named {@value #EXECUTOR}), starts Taskforce, dispatches two
 * tasks for one session, listens to that session's events with a plain listener, waits for both
 * results and shuts down.
 *
 * <p>Run it with {@code java -cp 'modules/examples/target/lib/*:modules/examples/target/*'
 * io.taskforce.examples.EmbeddedHostExample [data-dir] [remote-port]} (a temporary data directory
 * and a random port by default).
 */
public final class EmbeddedHostExample {
  public static final String EXECUTOR = "summarize";

  /** A text the host wants summarized, and what it is. */
  record Text(String what, String text) {}

  static final List<Text> TEXTS = List.of(
      new Text("the release notes", "Taskforce 0.1 lets a main session dispatch background tasks, watch "
          + "their progress, pause, resume and cancel them, and hear of every result without waiting."),
      new Text("the meeting notes", "We agreed to ship the embedded mode first, keep the journal on H2 for "
          + "a single node and PostgreSQL for a cluster, and write the server once the core is solid."));

  /** What a run saw: the finished tasks, and every feed event in the order it arrived. */
  public record Report(String sessionId, List<TaskView> tasks, List<FeedEvent> events) {}

  private EmbeddedHostExample() {}

  /** The settings the host must give for Taskforce: a cluster provider, its address, a data dir. */
  public static Config hostSettings(Path dataDir, int remotePort) {
    return ConfigFactory.parseMap(Map.of(
        // Taskforce's entities are sharded, so the host runs a cluster (a single node joins itself).
        "pekko.actor.provider", "cluster",
        "pekko.remote.artery.canonical.hostname", "127.0.0.1",
        "pekko.remote.artery.canonical.port", remotePort,
        "pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"),
        "pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter",
        // The host decides when its JVM ends, not Pekko's coordinated shutdown.
        "pekko.coordinated-shutdown.exit-jvm", "off",
        // Taskforce keeps its H2 database here; the host's own journal (if any) is untouched.
        "taskforce.data-dir", dataDir.toAbsolutePath().toString()));
  }

  /** The ActorSystem's configuration: the host's settings over every default, derived by Taskforce. */
  public static Config hostConfig(Path dataDir, int remotePort) {
    return TaskforceConfig.load(hostSettings(dataDir, remotePort));
  }

  /** Makes the host's ActorSystem, {@link #runOn runs} the example on it, and terminates it. */
  public static Report run(Path dataDir, int remotePort, PrintStream out) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "host-app", hostConfig(dataDir, remotePort));
    try {
      return runOn(system, out, Duration.ofSeconds(30));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Starts Taskforce on the host's {@code system}, summarizes {@link #TEXTS} for one session, reports. */
  public static Report runOn(ActorSystem<?> system, PrintStream out, Duration timeout) throws Exception {
    Taskforce tf = get(Taskforce.builder(system).executor(EXECUTOR, new SummarizeExecutor()).start(), timeout);
    String tenant = tf.defaultTenant();
    SessionView session = get(tf.createSession(tenant, new SessionSpec(null, "host example", null, null)), timeout);
    out.println("host: session " + session.id() + " created; executors on this node: " + tf.executorNames());

    // Subscribe before dispatching: every event of the session arrives here, replayed then live.
    List<FeedEvent> events = new CopyOnWriteArrayList<>();
    AtomicInteger finals = new AtomicInteger();
    CompletableFuture<Void> allFinal = new CompletableFuture<>();
    try (Taskforce.FeedSubscription subscription = tf.subscribe(tenant, session.id(), 0, event -> {
      events.add(event);
      out.println("host: " + FeedLines.format(event));
      if (event.type().isFinal() && finals.incrementAndGet() == TEXTS.size()) allFinal.complete(null);
    })) {
      subscription.done().whenComplete((done, failure) -> {
        if (failure != null) allFinal.completeExceptionally(failure);
      });

      List<String> ids = new ArrayList<>();
      for (Text text : TEXTS) {
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("text", text.text()).put("steps", 4);
        ObjectNode context = JsonNodeFactory.instance.objectNode().put("askedBy", "host example");
        TaskSpec spec = TaskSpec.of(EXECUTOR, input).withTitle("Summarize " + text.what()).withContext(context);
        TaskView task = get(tf.dispatch(tenant, session.id(), spec), timeout).task();
        // The dispatch answers once the task is stored, before it runs: the host is free at once.
        out.println("host: dispatched " + task.id() + " (" + task.status().wire() + ")");
        ids.add(task.id());
      }

      List<TaskView> finished = new ArrayList<>();
      for (String id : ids) {
        TaskView task = get(tf.awaitResult(tenant, id, timeout), timeout.plusSeconds(5));
        if (!task.status().isFinal()) throw new IllegalStateException("task " + id + " is still " + task.status().wire());
        finished.add(task);
      }
      get(allFinal, timeout); // and the session has heard of both
      finished.forEach(task -> out.println("host: " + FeedLines.format(task)));
      return new Report(session.id(), finished, List.copyOf(events));
    }
  }

  public static void main(String[] args) throws Exception {
    boolean temporary = args.length < 1;
    Path dataDir = temporary ? Files.createTempDirectory("taskforce-host-") : Path.of(args[0]);
    int port = args.length < 2 ? 0 : Integer.parseInt(args[1]);
    int status = 0;
    try {
      run(dataDir, port, System.out);
    } catch (Exception e) {
      System.err.println("host example failed: " + e);
      e.printStackTrace();
      status = 1;
    } finally {
      if (temporary) DataDirs.delete(dataDir);
    }
    System.exit(status);
  }

  static <T> T get(CompletionStage<T> stage, Duration timeout) throws Exception {
    return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
