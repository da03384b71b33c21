package io.taskforce.http.mcp;

import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Tokens;
import io.taskforce.testing.TestConfigs;
import io.taskforce.testing.TestExecutors;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.LoggerFactory;

/**
 * A real Taskforce (H2 in a fresh data directory, the core's test executors) behind the real HTTP
 * API on a random loopback port, with tenants {@code default} and {@code other}. One per test class.
 */
final class McpTestServer implements AutoCloseable {
  static final String TOKEN = "mcp-test-token-default-0001";
  static final String OTHER_TOKEN = "mcp-test-token-other-0002";

  static {
    // Pekko and the journal log at INFO and below; the tests' own output is what matters here.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
  }

  final Taskforce tf;
  final Config config;
  private final ServerBinding binding;
  private final Path dataDir;
  final int port;
  final URI mcp;

  private McpTestServer(Taskforce tf, Config config, ServerBinding binding, Path dataDir) {
    this.tf = tf;
    this.config = config;
    this.binding = binding;
    this.dataDir = dataDir;
    this.port = binding.localAddress().getPort();
    this.mcp = URI.create("http://127.0.0.1:" + port + "/mcp");
  }

  /** A server with the common test settings, then {@code extraConfig} (HOCON lines) over them. */
  static McpTestServer start(String... extraConfig) {
    return start(java.util.List.of(), extraConfig);
  }

  /** As {@link #start(String...)}, with {@code tools} served at /mcp after Taskforce's own. */
  static McpTestServer start(java.util.List<McpTool> tools, String... extraConfig) {
    Path dataDir = TestConfigs.freshDataDir();
    String overrides = String.join("\n", extraConfig) + "\n" + String.join("\n",
        "taskforce.http.host = \"127.0.0.1\"",
        "taskforce.http.port = 0",
        "taskforce.http.sse-keep-alive = 1s",
        "taskforce.node.max-running = 16",
        "taskforce.http.mcp.poll-interval = 200ms",
        "taskforce.http.mcp.wait-slice = 200ms");
    Config config = TestConfigs.h2(dataDir, overrides);
    try {
      Taskforce tf = Taskforce.builder(config).executors(TestExecutors.registry()).start()
          .toCompletableFuture().get(90, TimeUnit.SECONDS);
      HttpApi api = new HttpApi(tf, new Tokens(Map.of(TOKEN, "default", OTHER_TOKEN, "other")),
          HttpApi.Settings.from(config), tools);
      ServerBinding binding = api.bind(config).toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new McpTestServer(tf, config, binding, dataDir);
    } catch (Exception e) {
      throw new IllegalStateException("the test server did not start", e);
    }
  }

  McpClient client() {
    return new McpClient(mcp, TOKEN);
  }

  McpClient client(String token) {
    return new McpClient(mcp, token);
  }

  @Override
  public void close() {
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the system's termination below unbinds it too
    }
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

  static Duration seconds(long n) {
    return Duration.ofSeconds(n);
  }
}
