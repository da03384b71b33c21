package io.taskforce.server.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One Taskforce node as a JVM of its own ({@code io.taskforce.server.Main server}, the test's class
 * path, {@code conf/} as the launcher passes it), or a node started by someone else (the local
 * cluster script) known by its pid. Its output goes to a log file per incarnation under the node's
 * directory; its data directory is {@code <dir>/data}, so a task's working directory tells which
 * node runs it ({@link Api#nodeOf}).
 */
final class ClusterNode {
  /** Every node JVM this test JVM started, killed if the test JVM goes first. */
  private static final Set<ProcessHandle> STARTED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(ClusterNode::killTree), "cluster-node-reaper"));
  }

  final int index;
  final int remotePort;
  final int httpPort;
  final int mgmtPort;
  final Path dir;
  private final Map<String, String> env;
  private final List<String> jvmOptions;
  private boolean external;
  private Process process;
  private ProcessHandle handle;
  private int incarnation;
  private Path log;

  ClusterNode(int index, int remotePort, int httpPort, int mgmtPort, Path dir, Map<String, String> env,
      List<String> jvmOptions) {
    this.index = index;
    this.remotePort = remotePort;
    this.httpPort = httpPort;
    this.mgmtPort = mgmtPort;
    this.dir = dir;
    this.env = new LinkedHashMap<>(env);
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  /** A node another program started: only its pid and ports are known. */
  static ClusterNode external(int index, int remotePort, int httpPort, int mgmtPort, Path dir, long pid, Path log) {
    ClusterNode node = new ClusterNode(index, remotePort, httpPort, mgmtPort, dir, Map.of(), List.of());
    node.external = true;
    node.handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
    node.log = log;
    STARTED.add(node.handle);
    return node;
  }

  String name() {
    return "node-" + index;
  }

  /** Whether it serves the operator routes (it was given the operator credentials). */
  boolean hasAdminCredentials() {
    return external // the local cluster script always gives them
        || !env.getOrDefault("TASKFORCE_ADMIN_USER", "").isEmpty();
  }

  String api() {
    return "http://127.0.0.1:" + httpPort;
  }

  String management() {
    return "http://127.0.0.1:" + mgmtPort;
  }

  /** The address other nodes know it by (as in the cluster's member list, without the system). */
  String address() {
    return "127.0.0.1:" + remotePort;
  }

  Path dataDir() {
    return dir.resolve("data");
  }

  /** The log of the current (or last) incarnation. */
  synchronized Path log() {
    return log;
  }

  synchronized long pid() {
    return handle.pid();
  }

  synchronized boolean isAlive() {
    return handle != null && handle.isAlive();
  }

  /** Starts a new incarnation (same ports, same data directory). */
  synchronized ClusterNode start() {
    if (external) throw new IllegalStateException(name() + " was started by the local cluster script");
    if (isAlive()) throw new IllegalStateException(name() + " is running");
    incarnation++;
    log = dir.resolve("node." + incarnation + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classPath(), "io.taskforce.server.Main", "server"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().keySet().removeIf(name -> name.startsWith("TASKFORCE_") || name.equals("JAVA_OPTS"));
    builder.environment().putAll(env);
    try {
      Files.createDirectories(dataDir());
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name(), e);
    }
    handle = process.toHandle();
    STARTED.add(handle);
    return this;
  }

  /** SIGTERM: the clean stop (the node stops accepting, hands its tasks over, leaves, exits). */
  synchronized void sigterm() {
    handle.destroy();
  }

  /** SIGKILL of the node's JVM only (as a crash: the processes of its attempts are orphaned). */
  synchronized void kill9() {
    handle.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /**
   * Waits for the JVM to exit; answers its exit status (empty for a node this JVM did not start,
   * whose status it cannot see). Fails when it is still running at the deadline.
   */
  Optional<Integer> awaitExit(Duration within) {
    ProcessHandle current;
    Process owned;
    synchronized (this) {
      current = handle;
      owned = process;
    }
    try {
      if (owned != null) {
        if (!owned.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError(name() + " still runs " + within + " later");
        }
        STARTED.remove(current);
        return Optional.of(owned.exitValue());
      }
      current.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
      STARTED.remove(current);
      return Optional.empty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(name() + " still runs " + within + " later");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops it however it takes: SIGTERM, then SIGKILL of it and its processes after {@code grace}. */
  void stopQuietly(Duration grace) {
    if (!isAlive()) return;
    sigterm();
    try {
      awaitExit(grace);
    } catch (AssertionError e) {
      ProcessHandle current;
      synchronized (this) {
        current = handle;
      }
      killTree(current);
    }
  }

  private static void killTree(ProcessHandle root) {
    root.descendants().forEach(ProcessHandle::destroyForcibly);
    root.destroyForcibly();
  }

  /** The last {@code lines} lines of every incarnation's log, oldest incarnation first. */
  String logTail(int lines) {
    StringBuilder text = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().matches("node\\.?\\d*\\.log")).sorted().toList()) {
        List<String> all = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        text.append("----- ").append(file).append(" (last ").append(Math.min(lines, all.size())).append(" of ")
            .append(all.size()).append(" lines)\n");
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> text.append(l).append('\n'));
      }
    } catch (IOException e) {
      text.append("(cannot read the logs of ").append(name()).append(": ").append(e).append(")\n");
    }
    return text.toString();
  }

  /** The test class path (Surefire may run the tests from a manifest-only jar). */
  static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  @Override
  public String toString() {
    return name() + "(http " + httpPort + ", mgmt " + mgmtPort + ", remote " + remotePort + ")";
  }
}
