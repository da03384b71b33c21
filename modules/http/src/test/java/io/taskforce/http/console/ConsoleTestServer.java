package io.taskforce.http.console;

import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Tokens;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.LoggerFactory;

/**
 * A real Taskforce (H2 in a fresh data directory, the built-in {@code process} executor) behind the
 * real HTTP API, console included, on a random loopback port. {@link #main} keeps one running for
 * working on the console by hand: it prints the console link.
 */
final class ConsoleTestServer implements AutoCloseable {
  static final String TOKEN = "console-test-token-0001";
  /** The operator credentials of a server started {@link #withClusterView}. */
  static final String OPERATOR_USER = "operator";
  static final String OPERATOR_PASSWORD = "console-operator-pässword";

  static {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
  }

  final Taskforce tf;
  final URI base;
  private final BuiltInExecutors executors;
  private final HttpApi api;
  private final Config config;
  private volatile ServerBinding binding;
  private final Path dataDir;
  private final AtomicReference<String> operatorPassword;

  private ConsoleTestServer(Taskforce tf, BuiltInExecutors executors, HttpApi api, Config config,
      ServerBinding binding, Path dataDir, AtomicReference<String> operatorPassword) {
    this.operatorPassword = operatorPassword;
    this.tf = tf;
    this.executors = executors;
    this.api = api;
    this.config = config;
    this.binding = binding;
    this.dataDir = dataDir;
    this.base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  static ConsoleTestServer start(int port) {
    return start(port, false);
  }

  /**
   * A server whose console has the cluster view, behind {@link #OPERATOR_USER} and {@link
   * #OPERATOR_PASSWORD}: the node's real load ({@code Taskforce.nodes()}) and membership, as the
   * server module's {@code ConsoleOperatorView} gives them (which ConsoleClusterViewTest checks).
   */
  static ConsoleTestServer withClusterView(int port) {
    return start(port, true);
  }

  private static ConsoleTestServer start(int port, boolean clusterView) {
    Path dataDir = TestConfigs.freshDataDir();
    Config config = TestConfigs.h2(dataDir, String.join("\n",
        "taskforce.http.host = \"127.0.0.1\"",
        "taskforce.http.port = " + port,
        "taskforce.http.sse-keep-alive = 2s",
        "taskforce.node.max-running = 8",
        "taskforce.executors.process.kill-grace = 2s"));
    AtomicReference<String> operatorPassword = new AtomicReference<>(OPERATOR_PASSWORD);
    try {
      ExecutorRegistry registry = new ExecutorRegistry();
      BuiltInExecutors executors = BuiltInExecutors.register(registry, config);
      Taskforce tf = Taskforce.builder(config).executors(registry).start().toCompletableFuture().get(90, TimeUnit.SECONDS);
      HttpApi api = new HttpApi(tf, new Tokens(Map.of(TOKEN, "default")), HttpApi.Settings.from(config),
          clusterView ? Optional.of(new TestOperatorView(tf, operatorPassword)) : Optional.empty());
      ServerBinding binding = api.bind(config).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new ConsoleTestServer(tf, executors, api, config, binding, dataDir, operatorPassword);
    } catch (Exception e) {
      throw new IllegalStateException("the test server did not start", e);
    }
  }

  /**
   * Drops every connection of the HTTP API (its event streams included) and refuses new ones for
   * {@code downFor}, then listens again on the same port: what a client sees when a proxy or the
   * network between it and the server fails. The tasks go on running meanwhile.
   */
  void dropConnections(java.time.Duration downFor) {
    try {
      binding.terminate(java.time.Duration.ofMillis(500)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      Thread.sleep(downFor.toMillis());
      ServerSettings settings = ServerSettings.create(
          config.getConfig("taskforce.http.server").atPath("pekko.http.server").withFallback(config));
      binding = Http.get(tf.system()).newServerAt(base.getHost(), base.getPort()).withSettings(settings)
          .bind(api::handle).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("could not drop and restore the connections", e);
    }
  }

  @Override
  public void close() {
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the system's termination below unbinds it too
    }
    executors.close();
    tf.system().terminate();
    try {
      tf.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // a slow shutdown does not fail the tests
    }
    try (var paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }

  /**
   * Changes the operator password to {@link #OPERATOR_PASSWORD} followed by {@code -changed}, as
   * an operator would by restarting the server with another: the console's credentials stop working.
   */
  void changeOperatorPassword() {
    operatorPassword.set(OPERATOR_PASSWORD + "-changed");
  }

  /** The operator view of a single test node: its credentials, its own load, its own membership. */
  private record TestOperatorView(Taskforce tf, AtomicReference<String> operatorPassword) implements OperatorView {
    @Override
    public String realm() {
      return "taskforce-operators";
    }

    @Override
    public Optional<String> authenticate(String user, String password) {
      return user.equals(OPERATOR_USER) && password.equals(operatorPassword.get()) ? Optional.of(user) : Optional.empty();
    }

    @Override
    public CompletionStage<List<ClusterNode>> nodes() {
      var self = org.apache.pekko.cluster.typed.Cluster.get(tf.system()).selfMember();
      return tf.nodes().thenApply(loads -> loads.stream()
          .map(load -> new ClusterNode(load.address(), self.status().toString().toLowerCase(java.util.Locale.ROOT),
              List.of(), true, load.running(), load.maxRunning(), load.queued(), load.draining()))
          .toList());
    }
  }

  /** Runs a server until killed: {@code ConsoleTestServer [port]}. */
  public static void main(String[] args) throws Exception {
    ConsoleTestServer server = withClusterView(args.length > 0 ? Integer.parseInt(args[0]) : 0);
    System.out.println("Console: " + server.base + "/#token=" + TOKEN);
    System.out.println("Operator: " + OPERATOR_USER + " / " + OPERATOR_PASSWORD);
    Thread.currentThread().join();
  }
}
