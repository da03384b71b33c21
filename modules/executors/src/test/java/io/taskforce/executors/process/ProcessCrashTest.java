package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.alive;
import static io.taskforce.executors.process.ProcessNode.read;
import static io.taskforce.executors.process.ProcessNode.tempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL cannot stop its processes; they outlive it. The node's next start on
 * the same data directory kills them before its tasks recover, so a retried attempt never runs
 * beside the one the crash left behind. The first node runs in a JVM of its own
 * ({@link ProcessCrashNode}).
 */
class ProcessCrashTest {
  static final String OVERRIDES = String.join("\n",
      "taskforce.executors.openai.enabled = off",
      "taskforce.executors.process.kill-grace = 2s");
  static final String SESSION = "crash";
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static ActorTestKit testKit;
  private Process crashed;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void killTheOtherJvm() {
    if (crashed != null) crashed.destroyForcibly();
  }

  @Test
  void processesOfANodeKilledWithSigkillAreKilledWhenItStartsAgainBeforeTheirTaskRetries() throws IOException {
    Path dataDir = tempDir("taskforce-crash-");
    Path workDir = tempDir("taskforce-crash-work-");
    String taskId = "survivor";
    crashed = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "-cp", testClasspath(), ProcessCrashNode.class.getName(),
            dataDir.toString(), workDir.toString(), taskId))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("crashed-node.log").toFile()))
        .start();
    testKit.createTestProbe().awaitAssert(DEADLINE, Duration.ofMillis(100), () -> {
      assertTrue(crashed.isAlive(), () -> "the node's JVM died early:\n" + read(dataDir.resolve("crashed-node.log")));
      assertEquals("ready", read(workDir.resolve("ready")));
      return null;
    });
    long leader = Long.parseLong(read(workDir.resolve("pid-1")));
    long grandchild = Long.parseLong(read(workDir.resolve("grandchild-1")));

    crashed.destroyForcibly(); // SIGKILL
    testKit.createTestProbe().awaitAssert(DEADLINE, Duration.ofMillis(50), () -> {
      assertFalse(crashed.isAlive());
      return null;
    });
    assertTrue(alive(leader) && alive(grandchild), "the processes outlive the killed node");

    ProcessNode restarted = ProcessNode.start(dataDir, OVERRIDES);
    try {
      // Killed when the executor is made, before Taskforce (and so any task) starts again.
      assertFalse(alive(leader), "the leftover leader is killed at start");
      restarted.awaitGone(grandchild, Duration.ofSeconds(5));
      TaskView done = restarted.awaitStatus(taskId, TaskStatus.COMPLETED, Duration.ofSeconds(30));
      assertEquals(2, done.attempt());
      assertFalse(done.result().path("firstAttemptStillAlive").asBoolean(true), done.result().toString());
    } finally {
      restarted.close();
    }
  }

  /** This JVM's test classpath (surefire may boot from a manifest-only jar, whose manifest java -cp honours). */
  private static String testClasspath() {
    String cp = System.getProperty("java.class.path");
    if (cp.contains("test-classes")) return cp;
    String surefire = System.getProperty("surefire.test.class.path");
    if (surefire != null && surefire.contains("test-classes")) return surefire;
    if (cp.split(File.pathSeparator).length == 1 && cp.endsWith(".jar")) return cp;
    throw new IllegalStateException("cannot find the test classpath in java.class.path: " + cp);
  }
}
