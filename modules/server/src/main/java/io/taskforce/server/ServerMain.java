package io.taskforce.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.Taskforce;
import io.taskforce.TaskforceConfig;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.http.HttpApi;
import io.taskforce.internal.DataDirLock;
import io.taskforce.http.Tokens;
import io.taskforce.spi.ExecutorRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Taskforce node with its HTTP API: the configuration, the tokens, the built-in executors, the
 * facade and the binding. {@link #start} returns once the API answers; {@link #stop} (or SIGTERM)
 * stops accepting, finishes in-flight requests, hands its tasks off and leaves the cluster.
 */
public final class ServerMain {
  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  private final ActorSystem<Void> system;
  private final Taskforce taskforce;
  private final ServerBinding binding;
  private final ServerTokens.Resolved tokens;
  private final Uri management;

  private ServerMain(ActorSystem<Void> system, Taskforce taskforce, ServerBinding binding, ServerTokens.Resolved tokens,
      Uri management) {
    this.management = management;
    this.system = system;
    this.taskforce = taskforce;
    this.binding = binding;
    this.tokens = tokens;
  }

  /** Starts a node from {@code config} (made by {@link TaskforceConfig}). */
  public static ServerMain start(Config taskforceConfig) throws Exception {
    Config config = managementSettings(taskforceConfig);
    Path dataDir = Path.of(config.getString("taskforce.data-dir")).toAbsolutePath();
    boolean cluster = !config.getStringList("pekko.cluster.seed-nodes").isEmpty()
        || config.getString("taskforce.persistence.kind").equals("postgres");
    ServerTokens.Resolved tokens = ServerTokens.resolve(config, dataDir, cluster);
    Duration startupTimeout = config.getDuration("taskforce.server.startup-timeout");

    // Before anything touches the data directory (the process executor kills what it finds there).
    DataDirLock.acquire(dataDir);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), config.getString("taskforce.system-name"), config);
    try {
      ExecutorRegistry registry = new ExecutorRegistry();
      BuiltInExecutors executors = BuiltInExecutors.register(registry, config);
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
          "taskforce-stop-processes", () -> CompletableFuture.supplyAsync(() -> {
            executors.close();
            return Done.getInstance();
          }));
      Taskforce taskforce = Taskforce.builder(system).executors(registry).start()
          .toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      HttpApi api = new HttpApi(taskforce, new Tokens(tokens.tenantByToken()), HttpApi.Settings.from(config));
      ServerBinding binding = api.bind(config).toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Uri management = PekkoManagement.get(system.classicSystem()).start()
          .toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return new ServerMain(system, taskforce, binding, tokens, management);
    } catch (Exception e) {
      system.terminate();
      DataDirLock.release(dataDir);
      throw e;
    }
  }

  /**
   * Pekko Management on {@code taskforce.server.management.host/port} (TASKFORCE_MGMT_HOST/PORT):
   * its own health checks, and the cluster routes only through {@link OperatorClusterRoutes}.
   */
  static Config managementSettings(Config config) {
    Config server = config.getConfig("taskforce.server");
    String overrides = String.join("\n",
        "pekko.management.http.hostname = \"" + server.getString("management.host") + "\"",
        "pekko.management.http.port = " + server.getInt("management.port"),
        "pekko.management.http.routes.cluster-management = \"\"",
        "pekko.management.http.routes.taskforce-cluster = \"" + OperatorClusterRoutes.class.getName() + "\"");
    return ConfigFactory.parseString(overrides).withFallback(config);
  }

  /** Where Pekko Management answers ({@code /alive}, {@code /ready}, {@code /cluster/...}). */
  public Uri management() {
    return management;
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public String host() {
    return binding.localAddress().getHostString();
  }

  public Taskforce taskforce() {
    return taskforce;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** The generated token's file, or null when the tokens were configured. */
  public Path tokenFile() {
    return tokens.generatedFile();
  }

  /** What an operator needs to know once the server is up: where it is, where the token is. */
  public String banner() {
    String base = "http://" + host() + ":" + port();
    StringBuilder text = new StringBuilder();
    text.append("Taskforce is up: API ").append(base).append("/v1 (OpenAPI at ").append(base).append("/v1/openapi.json)\n");
    if (tokens.generatedFile() != null) {
      text.append("Token (tenant default): in ").append(tokens.generatedFile()).append(" — the CLI finds it there\n");
      if (isLoopback(host())) {
        String token = tokens.tenantByToken().keySet().iterator().next();
        // The token rides in the fragment: the browser keeps it, it is never sent to the server.
        text.append("Console: ").append(base).append("/#token=").append(token).append('\n');
      }
    } else {
      text.append("Tokens: from TASKFORCE_TOKEN / TASKFORCE_TOKENS\n");
    }
    text.append("Operators: ").append(management).append(" (/alive, /ready")
        .append(config(system).getString("taskforce.server.admin-user").isEmpty()
            ? "; set TASKFORCE_ADMIN_USER/PASSWORD for the cluster routes)\n"
            : ", /cluster/members with the operator credentials)\n");
    text.append("Try: ./taskforce dispatch --wait -- echo hello");
    return text.toString();
  }

  /** Stops the node as SIGTERM does. */
  public void stop() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason())
        .toCompletableFuture().join();
  }

  private static Config config(ActorSystem<?> system) {
    return system.settings().config();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static void logStarted(ServerMain server) {
    log.info("Taskforce server listening on {}:{}", server.host(), server.port());
  }
}
