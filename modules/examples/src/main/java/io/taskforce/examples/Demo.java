package io.taskforce.examples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.Taskforce;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.TaskforceConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.LoggerFactory;

/**
 * {@code ./taskforce demo}: one embedded node on a temporary H2 database, and the seed's story in
 * the terminal ({@link DemoStory}). Exits 0 when everything went as told, 1 otherwise; the
 * temporary database is removed either way.
 */
public final class Demo {
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Pekko keeps quiet: the demo's own lines are the output (LOG_LEVEL=INFO brings the logs back). */
  private static final Config QUIET = ConfigFactory.parseMap(Map.of(
      "pekko.loglevel", pekkoLevel(System.getenv().getOrDefault("LOG_LEVEL", "WARN")),
      "pekko.stdout-loglevel", "WARNING",
      "pekko.log-dead-letters", "off",
      "pekko.log-dead-letters-during-shutdown", "off"));

  private Demo() {}

  public static void main(String[] args) {
    PrintStream terminal = LibraryPrintlnFilter.install();
    LoggerFactory.getILoggerFactory(); // logging is set up before Pekko's threads log
    System.exit(run(terminal));
  }

  /** Runs the demo, printing to {@code out}; answers the exit status. */
  public static int run(PrintStream out) {
    long began = System.nanoTime();
    Path dataDir = null;
    ActorSystem<Void> system = null;
    BuiltInExecutors executors = null;
    int status = 0;
    try {
      dataDir = Files.createTempDirectory("taskforce-demo-");
      out.println("Taskforce demo: one embedded node; its H2 database is in " + dataDir + " (temporary)");
      Config config = config(dataDir);
      system = ActorSystem.create(Behaviors.empty(), "taskforce-demo", config);
      // The subagents are real processes: the built-in process executor runs them, and pause
      // and resume stop and continue their process groups.
      ExecutorRegistry registry = new ExecutorRegistry();
      executors = BuiltInExecutors.register(registry, config);
      Taskforce tf = EmbeddedHostExample.get(Taskforce.builder(system).executors(registry).start(), START_TIMEOUT);
      out.printf("node up in %.1f s; executors: %s%n", seconds(began), tf.executorNames());
      new DemoStory(tf, out).play();
    } catch (Exception e) {
      out.println("demo FAILED: " + describe(e));
      e.printStackTrace();
      status = 1;
    } finally {
      status = Math.max(status, stop(system, out));
      if (executors != null) executors.close();
      try {
        DataDirs.delete(dataDir);
        if (dataDir != null) out.println("removed " + dataDir);
      } catch (RuntimeException e) {
        out.println("demo FAILED: " + describe(e));
        status = 1;
      }
    }
    out.printf("demo %s in %.1f s%n", status == 0 ? "finished" : "FAILED", seconds(began));
    return status;
  }

  /** The host settings of {@link EmbeddedHostExample}, a random port, quiet logs. */
  static Config config(Path dataDir) {
    return TaskforceConfig.load(QUIET.withFallback(EmbeddedHostExample.hostSettings(dataDir, 0)));
  }

  /** LOG_LEVEL in logback's words, in Pekko's. */
  static String pekkoLevel(String level) {
    return switch (level.trim().toUpperCase(java.util.Locale.ROOT)) {
      case "TRACE", "DEBUG" -> "DEBUG";
      case "INFO" -> "INFO";
      case "ERROR" -> "ERROR";
      case "OFF" -> "OFF";
      default -> "WARNING";
    };
  }

  private static int stop(ActorSystem<Void> system, PrintStream out) {
    if (system == null) return 0;
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return 0;
    } catch (Exception e) {
      out.println("demo FAILED: the node did not stop: " + describe(e));
      return 1;
    }
  }

  private static String describe(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
