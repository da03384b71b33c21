package io.taskforce.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.Taskforce;
import io.taskforce.TaskforceConfig;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Tokens;
import io.taskforce.spi.ExecutorRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * One Taskforce node in the harness's JVM, as {@code ./taskforce server} runs it (the facade, the
 * built-in {@code process} executor, the HTTP API v1 on a random loopback port) plus the probe
 * executors of {@link Probe}, on a {@link Database}.
 */
public final class Node implements AutoCloseable {
  private final Database database;
  private final ActorSystem<Void> system;
  private final Taskforce taskforce;
  private final BuiltInExecutors builtIns;
  private final ServerBinding binding;
  private final String token;

  private Node(Database database, ActorSystem<Void> system, Taskforce taskforce, BuiltInExecutors builtIns,
      ServerBinding binding, String token) {
    this.database = database;
    this.system = system;
    this.taskforce = taskforce;
    this.builtIns = builtIns;
    this.binding = binding;
    this.token = token;
  }

  /** Starts a node on {@code database}; {@code overrides} are HOCON lines over the harness's defaults. */
  public static Node start(Database database, String overrides) {
    Config config = TaskforceConfig.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(database.taskforceConfig()))
        .withFallback(ConfigFactory.parseString(String.join("\n",
            "pekko.actor.provider = cluster",
            "pekko.remote.artery.canonical.hostname = 127.0.0.1",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.loglevel = WARNING",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "pekko.coordinated-shutdown.exit-jvm = off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
            "taskforce.node.drain-seconds = 0",
            "taskforce.http.host = \"127.0.0.1\"",
            "taskforce.http.port = 0",
            "taskforce.executors.openai.enabled = off"))));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", config);
    try {
      ExecutorRegistry registry = Probe.register(new ExecutorRegistry());
      BuiltInExecutors builtIns = BuiltInExecutors.register(registry, config);
      Taskforce tf = Taskforce.builder(system).executors(registry).start()
          .toCompletableFuture().get(120, TimeUnit.SECONDS);
      byte[] raw = new byte[24];
      new SecureRandom().nextBytes(raw);
      String token = HexFormat.of().formatHex(raw);
      HttpApi api = new HttpApi(tf, new Tokens(Map.of(token, tf.defaultTenant())), HttpApi.Settings.from(config));
      ServerBinding binding = api.bind(config).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new Node(database, system, tf, builtIns, binding, token);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("the node did not start on " + database.kind().wire(), e);
    }
  }

  public Taskforce taskforce() {
    return taskforce;
  }

  public Database database() {
    return database;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  public String token() {
    return token;
  }

  public Client client(Target.Api api) {
    return api == Target.Api.HTTP ? new HttpApiClient(baseUrl(), token) : new InProcessClient(taskforce);
  }

  /** Stops the node as SIGTERM would (with no drain time): its unfinished tasks stay in the journal. */
  @Override
  public void close() {
    try {
      // Up to every phase's timeout; the scale scenario gives the shards' phase 120 s.
      CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason())
          .toCompletableFuture().get(300, TimeUnit.SECONDS);
    } catch (Exception e) {
      system.terminate();
    }
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // gone or going
    }
    builtIns.close();
  }

  static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
