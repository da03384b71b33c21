package io.taskforce.server.cluster;

import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Taskforce cluster on loopback for one test class: a fresh PostgreSQL database (created here,
 * dropped by {@link #close}), N node JVMs with free ports, node 0 and 1 as seeds, one token and one
 * operator login for all, each node's log under {@code target/cluster/<TestClass>/node-<i>/}.
 */
final class TestCluster implements AutoCloseable {
  static final String TOKEN = "cluster-test-token-0123456789";
  static final String ADMIN_USER = "operator";
  static final String ADMIN_PASSWORD = "cluster-operator-secret";
  /** The Split Brain Resolver's stable-after in these tests (Pekko's default is 20 s). */
  static final Duration SBR_STABLE_AFTER = Duration.ofSeconds(5);
  /** The down-removal-margin in these tests (conf/cluster.conf: 10 s). */
  static final Duration SBR_DOWN_REMOVAL_MARGIN = Duration.ofSeconds(5);

  private final String database;
  private final List<ClusterNode> nodes;
  private final Path dir;
  private final Api api = new Api(TOKEN, ADMIN_USER, ADMIN_PASSWORD);
  private final Runnable onClose;

  TestCluster(String database, List<ClusterNode> nodes, Path dir, Runnable onClose) {
    this.database = database;
    this.nodes = nodes;
    this.dir = dir;
    this.onClose = onClose;
  }

  static Builder builder(Class<?> testClass) {
    return new Builder(testClass);
  }

  /** Where a test class keeps its nodes' directories and logs: {@code target/cluster/<simple name>}. */
  static Path classDir(Class<?> testClass) {
    return moduleDir().resolve("target").resolve("cluster").resolve(testClass.getSimpleName());
  }

  static Path moduleDir() {
    String basedir = System.getProperty("basedir");
    return Path.of(basedir != null ? basedir : System.getProperty("user.dir")).toAbsolutePath();
  }

  /** The repository's root: the directory above the module that holds {@code conf/application.conf}. */
  static Path repositoryRoot() {
    for (Path p = moduleDir(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conf/application.conf")) && Files.isRegularFile(p.resolve("taskforce"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (conf/application.conf) above " + moduleDir());
  }

  Api api() {
    return api;
  }

  ClusterNode node(int index) {
    return nodes.get(index);
  }

  List<ClusterNode> nodes() {
    return nodes;
  }

  String database() {
    return database;
  }

  Path dir() {
    return dir;
  }

  /**
   * Waits until every node in {@code expected} answers {@code /ready} and its HTTP API, and every
   * one of them sees exactly the {@code expected} nodes as members, all Up.
   */
  void awaitUp(Duration within, List<ClusterNode> expected) {
    Set<String> addresses = expected.stream().map(ClusterNode::address).collect(Collectors.toCollection(java.util.TreeSet::new));
    Await.untilTrue("nodes " + expected + " Up and ready", within, Duration.ofMillis(500), () -> {
      for (ClusterNode node : expected) {
        if (!node.isAlive()) throw new Await.Hopeless(node.name() + " exited:\n" + node.logTail(40));
      }
      for (ClusterNode node : expected) {
        if (!api.ready(node)) throw new AssertionError(node.name() + " not ready");
        api.get(node, "/v1/sessions?limit=1", Duration.ofSeconds(10)).expect(200);
        if (!node.hasAdminCredentials()) continue;
        Map<String, String> members = api.members(node);
        Map<String, String> wanted = new TreeMap<>();
        addresses.forEach(a -> wanted.put(a, "Up"));
        if (!members.equals(wanted)) throw new AssertionError(node.name() + " sees " + members + ", not " + wanted);
      }
      return true;
    });
  }

  void awaitUp(Duration within) {
    awaitUp(within, nodes);
  }

  /** Prints the tail of every node's logs. */
  String logTails(int lines) {
    StringBuilder text = new StringBuilder();
    for (ClusterNode node : nodes) text.append(node.logTail(lines));
    return text.toString();
  }

  @Override
  public void close() {
    // In parallel: a node left alone after the others went may wait for the majority it lost.
    List<Thread> stoppers = new ArrayList<>();
    for (ClusterNode node : nodes) {
      Thread stopper = new Thread(() -> node.stopQuietly(Duration.ofSeconds(45)), "stop-" + node.name());
      stopper.start();
      stoppers.add(stopper);
    }
    for (Thread stopper : stoppers) {
      try {
        stopper.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    onClose.run();
    if (database != null) TestConfigs.dropPostgresDatabase(database);
  }

  // ---- ports

  /** {@code count} distinct ports free on loopback right now. */
  static List<Integer> freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(socket);
        ports.add(socket.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException e) {
          // freed anyway
        }
      }
    }
  }

  static boolean portFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void deleteRecursively(Path path) {
    if (!Files.exists(path)) return;
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + path, e);
    }
  }

  /** The JVM options of a lean node: small heap, serial GC, quick start. */
  static List<String> leanJvmOptions() {
    return List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
        "-XX:-UsePerfData", "-Xshare:auto");
  }

  static final class Builder {
    private final Class<?> testClass;
    private int size = 3;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<Integer, Map<String, String>> nodeEnv = new TreeMap<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private Function<String, String> dbUrl = db -> "jdbc:postgresql://127.0.0.1:5432/" + db;
    private Runnable onClose = () -> {};

    private Builder(Class<?> testClass) {
      this.testClass = testClass;
      env.put("TASKFORCE_SBR_STABLE_AFTER", SBR_STABLE_AFTER.toSeconds() + "s");
      env.put("TASKFORCE_SBR_DOWN_REMOVAL_MARGIN", SBR_DOWN_REMOVAL_MARGIN.toSeconds() + "s");
      // No periodic wake of started tasks: what these tests see come back after a node's loss or
      // drain was brought back by the hand-off and by the sessions' wake on the node's removal.
      systemProperties.put("taskforce.session.wake-interval", "1h");
    }

    Builder nodes(int count) {
      this.size = count;
      return this;
    }

    /** An environment variable of every node. */
    Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** An environment variable of one node (null removes one that every node has). */
    Builder env(int node, String name, String value) {
      nodeEnv.computeIfAbsent(node, n -> new LinkedHashMap<>()).put(name, value);
      return this;
    }

    /** A {@code -D} option of every node (overrides the configuration, environment included). */
    Builder systemProperty(String name, String value) {
      systemProperties.put(name, value);
      return this;
    }

    /** The JDBC URL the nodes use for the test's database (say, through a proxy). */
    Builder databaseUrl(Function<String, String> urlOfDatabase) {
      this.dbUrl = urlOfDatabase;
      return this;
    }

    Builder onClose(Runnable action) {
      this.onClose = action;
      return this;
    }

    /** Creates the database, starts every node at once and waits until all are Up. */
    TestCluster start() {
      Path dir = classDir(testClass);
      deleteRecursively(dir);
      String database = TestConfigs.createPostgresDatabase("tf_" + testClass.getSimpleName().toLowerCase());
      List<ClusterNode> nodes = new ArrayList<>();
      TestCluster cluster = null;
      try {
        Files.createDirectories(dir);
        List<Integer> ports = freePorts(3 * size);
        Set<Integer> distinct = new HashSet<>(ports);
        if (distinct.size() != ports.size()) throw new IllegalStateException("ports repeated: " + ports);
        String seeds = "127.0.0.1:" + ports.get(0) + (size > 1 ? ",127.0.0.1:" + ports.get(3) : "");
        Path root = repositoryRoot();
        List<String> jvm = new ArrayList<>(leanJvmOptions());
        jvm.add("-Dconfig.file=" + root.resolve("conf/application.conf"));
        jvm.add("-Dlogback.configurationFile=" + root.resolve("conf/logback.xml"));
        systemProperties.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        for (int i = 0; i < size; i++) {
          Path nodeDir = dir.resolve("node-" + i);
          Files.createDirectories(nodeDir);
          Map<String, String> e = new LinkedHashMap<>();
          e.put("TASKFORCE_JOURNAL", "postgres");
          e.put("TASKFORCE_DB_URL", dbUrl.apply(database));
          e.put("TASKFORCE_DB_USER", "postgres");
          e.put("TASKFORCE_DB_PASSWORD", "");
          e.put("TASKFORCE_SEEDS", seeds);
          e.put("TASKFORCE_REMOTE_HOST", "127.0.0.1");
          e.put("TASKFORCE_REMOTE_PORT", Integer.toString(ports.get(3 * i)));
          e.put("TASKFORCE_HTTP_PORT", Integer.toString(ports.get(3 * i + 1)));
          e.put("TASKFORCE_MGMT_PORT", Integer.toString(ports.get(3 * i + 2)));
          e.put("TASKFORCE_DATA_DIR", nodeDir.resolve("data").toString());
          e.put("TASKFORCE_TOKEN", TOKEN);
          e.put("TASKFORCE_ADMIN_USER", ADMIN_USER);
          e.put("TASKFORCE_ADMIN_PASSWORD", ADMIN_PASSWORD);
          e.put("TASKFORCE_MAX_RUNNING", "4");
          e.put("LOG_LEVEL", "INFO");
          e.putAll(env);
          nodeEnv.getOrDefault(i, Map.of()).forEach((k, v) -> {
            if (v == null) e.remove(k);
            else e.put(k, v);
          });
          nodes.add(new ClusterNode(i, ports.get(3 * i), ports.get(3 * i + 1), ports.get(3 * i + 2), nodeDir, e, jvm));
        }
        cluster = new TestCluster(database, List.copyOf(nodes), dir, onClose);
        long started = System.nanoTime();
        nodes.forEach(ClusterNode::start);
        cluster.awaitUp(Duration.ofSeconds(150));
        System.out.printf("[%s] %d nodes Up in %d ms: %s%n", testClass.getSimpleName(), size,
            Await.millisSince(started), nodes);
        return cluster;
      } catch (IOException e) {
        closeAfterFailedStart(cluster, nodes, database);
        throw new UncheckedIOException(e);
      } catch (RuntimeException | AssertionError e) {
        closeAfterFailedStart(cluster, nodes, database);
        throw e;
      }
    }

    private void closeAfterFailedStart(TestCluster cluster, List<ClusterNode> nodes, String database) {
      if (cluster != null) {
        System.out.println(cluster.logTails(60));
        cluster.close();
      } else {
        nodes.forEach(n -> n.stopQuietly(Duration.ofSeconds(20)));
        onClose.run();
        TestConfigs.dropPostgresDatabase(database);
      }
    }
  }
}
