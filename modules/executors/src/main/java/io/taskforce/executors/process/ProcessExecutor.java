package io.taskforce.executors.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.InvalidInputException;
import io.taskforce.spi.TaskExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code process} executor: runs a command (any script, or an agent CLI) as its own process
 * group, turns its output lines into progress, its {@code ::ask} lines into questions, and its
 * exit (or its result file) into the task's outcome. Pause, resume and cancel act on the whole
 * group with SIGSTOP, SIGCONT and SIGTERM (then SIGKILL).
 *
 * <p>It runs commands as the server's own user, so only the configured tenants may use it.
 */
public final class ProcessExecutor implements TaskExecutor, AutoCloseable {

  /** The settings of {@code taskforce.executors.process}. */
  public record Settings(
      Set<String> tenants,
      Set<String> executables,
      Duration killGrace,
      int maxLineBytes,
      Path dataDir,
      Set<String> hiddenEnv) {

    public Settings {
      if (maxLineBytes < 1024) throw new IllegalArgumentException("max-line-bytes must be at least 1024");
      hiddenEnv = Set.copyOf(hiddenEnv);
    }

    /** {@code hiddenEnv}: names of the server's variables a command must not inherit (keys). */
    public static Settings from(Config config, Path dataDir, Set<String> hiddenEnv) {
      Config c = config.getConfig("taskforce.executors.process");
      var hidden = new java.util.HashSet<>(hiddenEnv);
      hidden.addAll(c.getStringList("hidden-env"));
      return new Settings(
          Set.copyOf(c.getStringList("tenants")),
          Set.copyOf(c.getStringList("executables")),
          c.getDuration("kill-grace"),
          c.getInt("max-line-bytes"),
          dataDir,
          hidden);
    }
  }

  /**
   * Variables that make a program load code other than its own: with an allowlist of executables
   * a task may not set them, or the allowlist would mean nothing.
   */
  static final Set<String> CODE_LOADING_ENV = Set.of("PATH", "BASH_ENV", "ENV", "NODE_OPTIONS", "NODE_PATH",
      "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB",
      "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "GIT_EXEC_PATH", "SHELLOPTS", "PS4");

  private final Settings settings;
  private final ProcessGroups groups;
  private final ExecutorService readers;
  private final ScheduledExecutorService timers;

  private ProcessExecutor(Settings settings) {
    this.settings = settings;
    this.groups = new ProcessGroups(settings.dataDir().resolve("process-groups"));
    AtomicInteger count = new AtomicInteger();
    this.readers = Executors.newCachedThreadPool(runnable -> daemon(runnable, "taskforce-process-" + count.incrementAndGet()));
    this.timers = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "taskforce-process-timer"));
  }

  /**
   * Makes the executor of this node. It first kills the process groups a previous run of this
   * node (same data directory) left behind, so call it before Taskforce starts.
   */
  public static ProcessExecutor create(Settings settings) {
    ProcessExecutor executor = new ProcessExecutor(settings);
    executor.groups.killLeftovers();
    return executor;
  }

  @Override
  public void validate(JsonNode input) throws InvalidInputException {
    ProcessInput parsed = ProcessInput.parse(input);
    if (settings.executables().isEmpty()) return;
    for (String name : parsed.env().keySet()) {
      if (name.startsWith("LD_") || CODE_LOADING_ENV.contains(name)) {
        throw new InvalidInputException("env." + name,
            name + " may not be set: this server allows only certain executables");
      }
    }
  }

  @Override
  public boolean permits(String tenant, JsonNode input) {
    if (!settings.tenants().contains(tenant)) return false;
    if (settings.executables().isEmpty()) return true;
    JsonNode first = input.path("command").path(0);
    if (!first.isTextual()) return true; // validate() refuses it with a clearer message
    // A path must be listed as that path; a name is then found on the server's own PATH.
    return settings.executables().contains(first.asText());
  }

  @Override
  public CompletionStage<JsonNode> start(AttemptContext context) {
    CompletableFuture<JsonNode> outcome = new CompletableFuture<>();
    // Creating a worktree and spawning take a moment: not on the caller's (an actor's) thread.
    readers.execute(() -> {
      try {
        new ProcessAttempt(context, ProcessInput.parse(context.input()), settings, groups, readers, timers, outcome).run();
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    });
    return outcome;
  }

  /** The groups running now (for tests and operators). */
  public Set<Long> liveGroups() {
    return groups.live();
  }

  /**
   * Stops every group still running (SIGTERM, then SIGKILL after the grace period): a node that
   * shuts down leaves no process behind. Their tasks re-run by the core's recovery rules.
   */
  @Override
  public void close() {
    List<Long> running = List.copyOf(groups.live());
    running.forEach(pgid -> {
      ProcessGroups.signal(pgid, "TERM");
      ProcessGroups.signal(pgid, "CONT");
    });
    long deadline = System.nanoTime() + settings.killGrace().toNanos();
    for (long pgid : running) {
      while (ProcessGroups.alive(pgid) && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      if (ProcessGroups.alive(pgid)) ProcessGroups.signal(pgid, "KILL");
      groups.unregister(pgid);
    }
    timers.shutdownNow();
    readers.shutdown();
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
