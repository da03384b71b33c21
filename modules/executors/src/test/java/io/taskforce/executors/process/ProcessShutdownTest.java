package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.TENANT;
import static io.taskforce.executors.process.ProcessNode.alive;
import static io.taskforce.executors.process.ProcessNode.await;
import static io.taskforce.executors.process.ProcessNode.bash;
import static io.taskforce.executors.process.ProcessNode.process;
import static io.taskforce.executors.process.ProcessNode.read;
import static io.taskforce.executors.process.ProcessNode.tempDir;
import static io.taskforce.executors.process.ProcessNode.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node that stops cleanly leaves no process behind: its tasks hand off, and
 * {@code BuiltInExecutors.close()} stops what still runs (SIGTERM, then SIGKILL after the grace
 * period). The next run of the node on the same data directory re-runs those tasks without
 * counting the interruption as an attempt.
 */
class ProcessShutdownTest {
  private static final String OVERRIDES = String.join("\n",
      "taskforce.executors.openai.enabled = off",
      "taskforce.executors.process.kill-grace = 2s");
  private static final Duration DEADLINE = Duration.ofSeconds(15);
  private static ActorTestKit testKit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @Test
  void nodeShutdownStopsItsProcessesAndTheirTasksRunAgainWithoutCountingAnAttempt() {
    Path dataDir = tempDir("taskforce-shutdown-");
    Path rerunDir = tempDir("taskforce-rerun-");
    Path stubbornDir = tempDir("taskforce-stubborn-");
    String session = unique("s");

    ProcessNode first = ProcessNode.start(dataDir, OVERRIDES);
    TaskView rerun = first.dispatch(session, process(bash("rerun.sh", rerunDir.toString())));
    TaskView stubborn = first.dispatch(session, process(bash("ignore-term.sh", stubbornDir.toString())));
    long rerunPid = first.awaitPid(rerunDir.resolve("pid"));
    long grandchild = first.awaitPid(rerunDir.resolve("grandchild.pid"));
    long stubbornPid = first.awaitPid(stubbornDir.resolve("pid"));
    first.awaitStatus(rerun.id(), TaskStatus.RUNNING);
    first.awaitStatus(stubborn.id(), TaskStatus.RUNNING);

    long stopping = System.nanoTime();
    first.close();
    Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
    awaitGone(rerunPid);
    awaitGone(grandchild);
    awaitGone(stubbornPid);
    assertTrue(read(stubbornDir.resolve("log")).startsWith("term"), "SIGTERM came first");
    assertTrue(stopped.compareTo(Duration.ofSeconds(30)) < 0, "stopping took " + stopped);

    ProcessNode second = ProcessNode.start(dataDir, OVERRIDES);
    try {
      TaskView done = second.awaitStatus(rerun.id(), TaskStatus.COMPLETED, Duration.ofSeconds(30));
      assertEquals(1, done.attempt(), "the interruption does not count as an attempt");
      assertEquals(2, done.result().path("runs").asInt());
      assertEquals(1, done.result().path("attempt").asInt());

      // The stubborn one runs again too, as a new process.
      long again = second.eventually(Duration.ofSeconds(30), () -> {
        long pid = Long.parseLong(read(stubbornDir.resolve("pid")));
        assertNotEquals(stubbornPid, pid);
        assertTrue(alive(pid));
        return pid;
      });
      TaskView running = second.task(stubborn.id());
      assertEquals(1, running.attempt());
      await(second.tf.cancel(TENANT, stubborn.id()));
      second.awaitGone(again, Duration.ofSeconds(10));
    } finally {
      second.close();
    }
  }

  private static void awaitGone(long pid) {
    testKit.createTestProbe().awaitAssert(DEADLINE, Duration.ofMillis(50), () -> {
      assertFalse(alive(pid), "process " + pid + " outlived its node");
      return null;
    });
  }
}
