package io.taskforce.executors.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process groups this node runs. Java cannot signal a group, so signals go through
 * {@code kill -SIG -- -pgid}. Each live group is recorded as a file under the data directory
 * (named by its id, holding the leader's start time, so a reused id is never mistaken for it),
 * and a node that starts kills the groups its previous run left behind before any task recovers:
 * a crash never leaves two copies of one subagent at work.
 */
final class ProcessGroups {
  private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);

  private final Path registry;
  private final Set<Long> live = ConcurrentHashMap.newKeySet();

  ProcessGroups(Path registry) {
    this.registry = registry;
    try {
      Files.createDirectories(registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + registry, e);
    }
  }

  /** Kills every group recorded by an earlier run whose leader is still the same process. */
  int killLeftovers() {
    int killed = 0;
    try (Stream<Path> files = Files.list(registry)) {
      for (Path file : files.toList()) {
        long pgid;
        try {
          pgid = Long.parseLong(file.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        String recorded = Files.readString(file, StandardCharsets.UTF_8).trim();
        String current = startTime(pgid);
        // Ours if its leader is the very process recorded, or if the leader is gone but the group
        // lives on (a group id is not reused while the group exists). A different process under
        // the leader's pid means the group is long gone: leave it alone.
        boolean leaderIsOurs = current != null && current.equals(recorded);
        boolean orphanedGroup = current == null;
        if ((leaderIsOurs || orphanedGroup) && alive(pgid)) {
          log.warn("killing process group {} left running by this node's previous run", pgid);
          signal(pgid, "KILL");
          killed++;
        }
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + registry, e);
    }
    return killed;
  }

  void register(long pgid) {
    live.add(pgid);
    String start = startTime(pgid);
    try {
      Files.writeString(registry.resolve(Long.toString(pgid)), start == null ? "" : start, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record process group " + pgid, e);
    }
  }

  void unregister(long pgid) {
    live.remove(pgid);
    try {
      Files.deleteIfExists(registry.resolve(Long.toString(pgid)));
    } catch (IOException e) {
      log.warn("cannot remove the record of process group {}", pgid, e);
    }
  }

  Set<Long> live() {
    return Set.copyOf(live);
  }

  /** Sends {@code signal} (a name such as STOP) to every process of the group. */
  static boolean signal(long pgid, String signal) {
    return run("kill", "-" + signal, "--", "-" + pgid) == 0;
  }

  /** Whether any process of the group is still there. */
  static boolean alive(long pgid) {
    return run("kill", "-0", "--", "-" + pgid) == 0;
  }

  /** The process group a process belongs to, from {@code /proc}; -1 when it is gone. */
  static long groupOf(long pid) {
    String[] fields = statFields(pid);
    return fields == null ? -1 : Long.parseLong(fields[2]);
  }

  /** The start time of a process (clock ticks since boot), from {@code /proc}; null when gone. */
  static String startTime(long pid) {
    String[] fields = statFields(pid);
    return fields == null ? null : fields[19];
  }

  /** The fields of {@code /proc/<pid>/stat} after the command name (field 3 is index 0). */
  private static String[] statFields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static int run(String... command) {
    try {
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
