package io.taskforce.executors.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One Taskforce node on H2 in a data directory of its own, with the built-in executors registered
 * from its configuration, and the helpers the process tests share: scripts from
 * {@code src/test/resources/scripts}, dispatches through the facade, waits with deadlines.
 */
final class ProcessNode implements AutoCloseable {
  static final String TENANT = "default";
  static final Duration DEADLINE = Duration.ofSeconds(20);
  static final ObjectMapper JSON = new ObjectMapper();

  final Path dataDir;
  final Config config;
  final ActorSystem<Void> system;
  final ActorTestKit testKit;
  final BuiltInExecutors builtIns;
  final Taskforce tf;

  private ProcessNode(Path dataDir, Config config, ActorSystem<Void> system, BuiltInExecutors builtIns, Taskforce tf) {
    this.dataDir = dataDir;
    this.config = config;
    this.system = system;
    this.testKit = ActorTestKit.create(system);
    this.builtIns = builtIns;
    this.tf = tf;
  }

  /** Starts a node on {@code dataDir} (fresh, or the one of a node that ran before). */
  static ProcessNode start(Path dataDir, String overrides) {
    Config config = TestConfigs.h2(dataDir, overrides).resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "process-test", config);
    try {
      ExecutorRegistry registry = new ExecutorRegistry();
      BuiltInExecutors builtIns = BuiltInExecutors.register(registry, config);
      Taskforce tf = Taskforce.builder(system).executors(registry).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new ProcessNode(dataDir, config, system, builtIns, tf);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("the node did not start", e);
    }
  }

  /** Stops the node the way the server does: the actor system first (tasks hand off), then the processes. */
  @Override
  public void close() {
    ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    builtIns.close();
  }

  // ---- inputs

  /** The absolute path of a test script. */
  static String script(String name) {
    try {
      return Path.of(ProcessNode.class.getResource("/scripts/" + name).toURI()).toString();
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("no test script " + name, e);
    }
  }

  /** {@code {"command": [args...]}}. */
  static ObjectNode command(String... args) {
    ObjectNode input = JSON.createObjectNode();
    ArrayNode command = input.putArray("command");
    for (String arg : args) command.add(arg);
    return input;
  }

  /** {@code {"command": ["bash", <script>, args...]}}. */
  static ObjectNode bash(String scriptName, String... args) {
    String[] argv = new String[args.length + 2];
    argv[0] = "bash";
    argv[1] = script(scriptName);
    System.arraycopy(args, 0, argv, 2, args.length);
    return command(argv);
  }

  static TaskSpec process(ObjectNode input) {
    return TaskSpec.of("process", input);
  }

  // ---- the facade

  TaskView dispatch(String session, TaskSpec spec) {
    return await(tf.dispatch(TENANT, session, spec)).task();
  }

  TaskView task(String taskId) {
    return await(tf.task(TENANT, taskId));
  }

  TaskView awaitStatus(String taskId, TaskStatus status) {
    return awaitStatus(taskId, status, DEADLINE);
  }

  TaskView awaitStatus(String taskId, TaskStatus status, Duration deadline) {
    return eventually(deadline, () -> {
      TaskView task = task(taskId);
      assertEquals(status, task.status(), () -> "task " + taskId + ": " + task);
      return task;
    });
  }

  /** Creates the session (a feed of an unknown session is refused), then subscribes a probe to its feed. */
  TestProbe<FeedEvent> subscribe(String session, Integer maxConcurrentTasks) {
    await(tf.createSession(TENANT, new SessionSpec(session, null, maxConcurrentTasks, null)));
    TestProbe<FeedEvent> probe = testKit.createTestProbe(FeedEvent.class);
    tf.subscribe(TENANT, session, 0, probe.ref()::tell);
    return probe;
  }

  <T> T eventually(Supplier<T> check) {
    return eventually(DEADLINE, check);
  }

  <T> T eventually(Duration deadline, Supplier<T> check) {
    return testKit.<Object>createTestProbe().awaitAssert(deadline, Duration.ofMillis(50), check::get);
  }

  /** Waits {@code quiet} without sleeping a thread: the TestKit's way of letting time pass. */
  void letPass(Duration quiet) {
    testKit.createTestProbe().expectNoMessage(quiet);
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError("no answer within " + DEADLINE, e);
    }
  }

  static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  // ---- files and processes

  /**
   * A fresh directory under this JVM's scratch root, which is deleted when the JVM exits (the
   * tests check on the way that no process is left that could still be using it).
   */
  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(ScratchRoot.ROOT, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Made on first use only: a node JVM that is killed (see ProcessCrashNode) never makes one. */
  private static final class ScratchRoot {
    static final Path ROOT = create();

    private static Path create() {
      try {
        Path root = Files.createTempDirectory("taskforce-process-tests-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(root), "delete-" + root));
        return root;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void deleteRecursively(Path root) {
      try (var paths = Files.walk(root)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // Best effort: what is left is in the system's temporary directory.
      }
    }
  }

  /** The content of a file, trimmed; null while it does not exist. */
  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void touch(Path file) {
    try {
      Files.writeString(file, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A pid a script wrote to a file, once it is there (and complete). */
  long awaitPid(Path file) {
    return eventually(() -> {
      String text = read(file);
      if (text == null || text.isEmpty()) throw new AssertionError("no pid in " + file + " yet");
      return Long.parseLong(text);
    });
  }

  /** The state letter of a process (R, S, T, Z, ...) from {@code /proc/<pid>/stat}; null when gone. */
  static String state(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) return null;
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
  }

  /** Whether a process is there and not a zombie (a zombie is dead, only not yet reaped). */
  static boolean alive(long pid) {
    String state = state(pid);
    return state != null && !state.equals("Z") && !state.equals("X");
  }

  /** Field 22 of {@code /proc/<pid>/stat}: the start time, as {@code ProcessGroups} records it. */
  static String startTime(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) throw new AssertionError("process " + pid + " is gone");
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
  }

  void awaitGone(long pid, Duration deadline) {
    eventually(deadline, () -> {
      if (alive(pid)) throw new AssertionError("process " + pid + " is still alive (state " + state(pid) + ")");
      return null;
    });
  }
}
