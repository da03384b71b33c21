package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.startTime;
import static io.taskforce.executors.process.ProcessNode.tempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node that starts kills the process groups its previous run (same data directory) left behind,
 * before any task recovers, and only those: a record whose pid now belongs to another process is
 * left alone. The "previous run" here is the test itself: it starts a group with {@code setsid}
 * and records it under {@code <dataDir>/process-groups/<pgid>} as {@code ProcessGroups} does (the
 * leader's start time from {@code /proc/<pid>/stat}, field 22).
 */
class ProcessLeftoversTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static ActorTestKit testKit;
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void killWhatIsLeft() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void groupLeftByAPreviousRunIsKilledWhenTheExecutorIsCreated() throws Exception {
    Path dataDir = tempDir("taskforce-leftovers-");
    Path pidFile = dataDir.resolve("grandchild.pid");
    // A leader with a child of its own, in a group of their own.
    Process leader = start("setsid", "bash", "-c", "sleep 1000 & echo $! > " + pidFile + "; wait");
    long grandchild = awaitPid(pidFile);
    Path record = record(dataDir, leader.pid(), startTime(leader.pid()));

    try (ProcessExecutor executor = ProcessExecutor.create(settings(dataDir))) {
      probe().awaitAssert(DEADLINE, Duration.ofMillis(20), () -> {
        assertFalse(leader.isAlive(), "the leftover leader is killed");
        return null;
      });
      awaitGone(grandchild);
      assertFalse(Files.exists(record), "its record is removed");
      assertEquals(Set.of(), executor.liveGroups());
    }
  }

  @Test
  void recordWhosePidNowBelongsToAnotherProcessIsNotKilled() throws Exception {
    Path dataDir = tempDir("taskforce-leftovers-");
    Process other = start("setsid", "sleep", "1000");
    String otherStart = startTime(other.pid());
    // The previous run's process had this pid but started at another time.
    Path record = record(dataDir, other.pid(), Long.toString(Long.parseLong(otherStart) - 1));

    try (ProcessExecutor executor = ProcessExecutor.create(settings(dataDir))) {
      probe().expectNoMessage(Duration.ofMillis(500));
      assertTrue(other.isAlive(), "an unrelated process is left alone");
      assertFalse(Files.exists(record), "the stale record is removed");
      assertEquals(Set.of(), executor.liveGroups());
    }
  }

  // ---- helpers

  private static ProcessExecutor.Settings settings(Path dataDir) {
    return new ProcessExecutor.Settings(Set.of("default"), Set.of(), Duration.ofSeconds(2), 65536, dataDir, Set.of());
  }

  private Process start(String... command) throws IOException {
    Process process = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    started.add(process);
    return process;
  }

  private static Path record(Path dataDir, long pgid, String startTime) throws IOException {
    Path registry = Files.createDirectories(dataDir.resolve("process-groups"));
    return Files.writeString(registry.resolve(Long.toString(pgid)), startTime, StandardCharsets.UTF_8);
  }

  private static long awaitPid(Path file) {
    return probe().awaitAssert(DEADLINE, Duration.ofMillis(20), () -> {
      String text = ProcessNode.read(file);
      assertTrue(text != null && !text.isEmpty(), "no pid in " + file + " yet");
      return Long.parseLong(text);
    });
  }

  private static void awaitGone(long pid) {
    probe().awaitAssert(DEADLINE, Duration.ofMillis(20), () -> {
      assertFalse(ProcessNode.alive(pid), "process " + pid + " is still alive");
      return null;
    });
  }

  private static TestProbe<Object> probe() {
    return testKit.createTestProbe();
  }
}
