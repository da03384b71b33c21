package io.taskforce.server.cluster;

import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code deploy/local/cluster.sh} run as an operator runs it, against the test's own database and
 * a base port whose ports are free, with its state under {@code target/cluster/<TestClass>/}.
 */
final class LocalClusterScript {
  /** One run of the script. */
  record Run(int exit, String output) {}

  private final Path script = TestCluster.repositoryRoot().resolve("deploy/local/cluster.sh");
  private final Path dir;
  private final String database;
  private final int basePort;
  private int runs;

  LocalClusterScript(Class<?> testClass, int nodes) {
    this.dir = TestCluster.classDir(testClass);
    TestCluster.deleteRecursively(dir);
    this.database = TestConfigs.createPostgresDatabase("tf_" + testClass.getSimpleName().toLowerCase());
    this.basePort = freeBasePort(nodes);
  }

  String database() {
    return database;
  }

  Path dir() {
    return dir;
  }

  int remotePort(int node) {
    return basePort + node;
  }

  int httpPort(int node) {
    return basePort + 100 + node;
  }

  int mgmtPort(int node) {
    return basePort + 200 + node;
  }

  /** Runs {@code cluster.sh args... --dir DIR} with the test's environment, within {@code deadline}. */
  Run run(Duration deadline, String... args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--dir", dir.toString()));
    runs++;
    Path output = dir.resolve("script-" + runs + "-" + args[0] + ".out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("TASKFORCE_") || name.equals("JAVA_OPTS"));
    env.put("TASKFORCE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/" + database);
    env.put("TASKFORCE_DB_USER", "postgres");
    env.put("TASKFORCE_TOKEN", TestCluster.TOKEN);
    env.put("TASKFORCE_ADMIN_USER", TestCluster.ADMIN_USER);
    env.put("TASKFORCE_ADMIN_PASSWORD", TestCluster.ADMIN_PASSWORD);
    env.put("TASKFORCE_MAX_RUNNING", "4");
    env.put("TASKFORCE_SBR_STABLE_AFTER", TestCluster.SBR_STABLE_AFTER.toSeconds() + "s");
    env.put("TASKFORCE_SBR_DOWN_REMOVAL_MARGIN", TestCluster.SBR_DOWN_REMOVAL_MARGIN.toSeconds() + "s");
    env.put("JAVA_OPTS", String.join(" ", TestCluster.leanJvmOptions()));
    try {
      Files.createDirectories(dir);
      Process process = builder.start();
      if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("cluster.sh " + String.join(" ", args) + " did not end within " + deadline + ":\n"
            + Files.readString(output, StandardCharsets.UTF_8));
      }
      return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The nodes the script started (node i's pid from {@code DIR/node-i/pid}). */
  List<ClusterNode> nodes(int count) {
    List<ClusterNode> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Path nodeDir = dir.resolve("node-" + i);
      long pid;
      try {
        pid = Long.parseLong(Files.readString(nodeDir.resolve("pid")).trim());
      } catch (IOException e) {
        throw new UncheckedIOException("no pid file of node " + i, e);
      }
      nodes.add(ClusterNode.external(i, remotePort(i), httpPort(i), mgmtPort(i), nodeDir, pid, nodeDir.resolve("node.log")));
    }
    return nodes;
  }

  /** A base port P with P+i, P+100+i and P+200+i free for every node i (below the ephemeral range). */
  private static int freeBasePort(int nodes) {
    for (int tries = 0; tries < 200; tries++) {
      int base = ThreadLocalRandom.current().nextInt(15_000, 32_000);
      boolean free = true;
      for (int i = 0; i < nodes && free; i++) {
        free = TestCluster.portFree(base + i) && TestCluster.portFree(base + 100 + i) && TestCluster.portFree(base + 200 + i);
      }
      if (free) return base;
    }
    throw new IllegalStateException("no free base port for " + nodes + " nodes");
  }
}
