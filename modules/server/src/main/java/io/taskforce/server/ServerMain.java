package io.taskforce.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.taskforce.Taskforce;
import io.taskforce.TaskforceConfig;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.http.HttpApi;
import io.taskforce.internal.DataDirLock;
import io.taskforce.http.Tokens;
import io.taskforce.server.admin.AdminContext;
import io.taskforce.server.admin.AdminRoutes;
import io.taskforce.server.admin.ConsoleOperatorView;
import io.taskforce.server.admin.DatabaseReadinessCheck;
import io.taskforce.server.admin.HealthRoutes;
import io.taskforce.server.admin.MetricsRoutes;
import io.taskforce.server.admin.OperatorAccess;
import io.taskforce.spi.ExecutorRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
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
      PrometheusMeterRegistry metrics = meterRegistry(system);
      Taskforce taskforce = Taskforce.builder(system).executors(registry).meterRegistry(metrics).start()
          .toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      AdminContext.get(system.classicSystem()).attach(taskforce, metrics);
      // The console's cluster view, behind the same operator credentials as the admin routes.
      HttpApi api = new HttpApi(taskforce, new Tokens(tokens.tenantByToken()), HttpApi.Settings.from(config),
          ConsoleOperatorView.of(OperatorAccess.fromConfig(config), taskforce));
      ServerBinding binding = api.bind(config).toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Uri management = PekkoManagement.get(system.classicSystem()).start()
          .toCompletableFuture().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
      ClusterFormation.start(system);
      return new ServerMain(system, taskforce, binding, tokens, management);
    } catch (Exception e) {
      system.terminate();
      DataDirLock.release(dataDir);
      throw e;
    }
  }

  /** The route providers of libraries that stay on: Cluster Bootstrap's (its nodes ask one another, unauthenticated). */
  static final Set<String> LIBRARY_ROUTES_KEPT = Set.of("cluster-bootstrap");

  /**
   * Pekko Management on {@code taskforce.server.management.host/port} (TASKFORCE_MGMT_HOST/PORT),
   * serving exactly: the open health checks ({@link HealthRoutes}: {@code /alive}, {@code /ready},
   * where ready means this member is Up and the journal's database answers), Cluster Bootstrap's
   * routes, and, behind the operator credentials, the cluster routes ({@link
   * OperatorClusterRoutes}), {@code /admin} ({@link AdminRoutes}) and {@code /metrics} ({@link
   * MetricsRoutes}). Every other route provider a library registers is switched off, Pekko's own
   * health-check provider (it would also serve {@code /startup}) and cluster routes included.
   */
  public static Config managementSettings(Config config) {
    Config server = config.getConfig("taskforce.server");
    Config routes = config.withFallback(ConfigFactory.defaultReference(ServerMain.class.getClassLoader()))
        .getConfig("pekko.management.http.routes");
    Map<String, Object> providers = new LinkedHashMap<>();
    for (String name : routes.root().keySet()) {
      if (!LIBRARY_ROUTES_KEPT.contains(name)) providers.put(name, "");
    }
    providers.put("health-checks", HealthRoutes.class.getName());
    providers.put("taskforce-cluster", OperatorClusterRoutes.class.getName());
    providers.put("taskforce-admin", AdminRoutes.class.getName());
    providers.put("taskforce-metrics", MetricsRoutes.class.getName());
    String overrides = String.join("\n",
        "pekko.management.http.hostname = \"" + server.getString("management.host") + "\"",
        "pekko.management.http.port = " + server.getInt("management.port"),
        // Ready: Up (not WeaklyUp, not Joining) and the journal's database reachable.
        "pekko.management.cluster.health-check.ready-states = [\"Up\"]",
        "pekko.management.health-checks.readiness-checks.cluster-membership = "
            + "\"org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck\"",
        "pekko.management.health-checks.readiness-checks.taskforce-database = \""
            + DatabaseReadinessCheck.class.getName() + "\"");
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigValueFactory.fromMap(providers).atPath("pekko.management.http.routes"))
        .withFallback(config);
  }

  /**
   * The node's Prometheus registry: every meter tagged {@code node} with this member's address,
   * with the JVM's own meters (memory, GC, threads, classes, CPU, uptime, file descriptors).
   */
  private static PrometheusMeterRegistry meterRegistry(ActorSystem<?> system) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", Cluster.get(system).selfMember().address().toString());
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "taskforce-close-metrics", () -> {
          gc.close();
          registry.close();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    return registry;
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
        .append(OperatorAccess.fromConfig(config(system)).isEmpty()
            ? "; set TASKFORCE_ADMIN_USER/PASSWORD for /admin, /metrics and /cluster)\n"
            : "; /admin, /metrics and /cluster with the operator credentials)\n");
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
