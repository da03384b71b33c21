package io.taskforce.server.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs the real {@code taskforce} CLI ({@code io.taskforce.server.Main}) as a separate JVM with the
 * test's class path and an environment of its own (no inherited {@code TASKFORCE_*} variable), in a
 * working directory of its own, with a deadline.
 */
final class Cli {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  /** A finished run. */
  record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private final Map<String, String> env;
  private final Path workDir;

  Cli(Map<String, String> env, Path workDir) {
    this.env = Map.copyOf(env);
    this.workDir = workDir;
  }

  /** The same CLI with {@code name} set to {@code value} (or unset when null). */
  Cli env(String name, String value) {
    Map<String, String> copy = new HashMap<>(env);
    if (value == null) copy.remove(name);
    else copy.put(name, value);
    return new Cli(copy, workDir);
  }

  Result run(String... args) {
    try (Running running = start(args)) {
      return running.await(DEADLINE);
    }
  }

  Running start(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        "io.taskforce.server.Main"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("TASKFORCE_"));
    builder.environment().putAll(env);
    try {
      return new Running(builder.start(), String.join(" ", args));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the CLI", e);
    }
  }

  /** A CLI process still running, its output captured as it comes. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final String args;
    private final StringBuilder stdout = new StringBuilder();
    private final StringBuilder stderr = new StringBuilder();
    private final Thread outReader;
    private final Thread errReader;

    Running(Process process, String args) {
      this.process = process;
      this.args = args;
      try {
        process.getOutputStream().close(); // the CLI reads nothing from its standard input
      } catch (IOException e) {
        // already closed
      }
      outReader = pump(process.getInputStream(), stdout);
      errReader = pump(process.getErrorStream(), stderr);
    }

    /** Waits until the standard output so far satisfies {@code condition}; answers it. */
    String awaitStdout(Predicate<String> condition, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      synchronized (this) {
        while (!condition.test(stdout.toString())) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || (!process.isAlive() && !outReader.isAlive())) {
            fail("`taskforce " + args + "` did not print what was expected within " + within
                + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr);
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        return stdout.toString();
      }
    }

    /** Waits for the process to exit. */
    Result await(Duration within) {
      try {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          fail("`taskforce " + args + "` did not exit within " + within + "\n--- stdout\n" + snapshot(stdout)
              + "--- stderr\n" + snapshot(stderr));
        }
        outReader.join(within.toMillis());
        errReader.join(within.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return new Result(process.exitValue(), snapshot(stdout), snapshot(stderr));
    }

    @Override
    public void close() {
      if (process.isAlive()) process.destroyForcibly();
    }

    private String snapshot(StringBuilder buffer) {
      synchronized (this) {
        return buffer.toString();
      }
    }

    private Thread pump(InputStream in, StringBuilder into) {
      Thread thread = new Thread(() -> {
        char[] chunk = new char[4096];
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
          int n;
          while ((n = reader.read(chunk)) >= 0) {
            synchronized (this) {
              into.append(chunk, 0, n);
              notifyAll();
            }
          }
        } catch (IOException e) {
          // the process is gone
        } finally {
          synchronized (this) {
            notifyAll();
          }
        }
      }, "cli-output");
      thread.setDaemon(true);
      thread.start();
      return thread;
    }
  }
}
