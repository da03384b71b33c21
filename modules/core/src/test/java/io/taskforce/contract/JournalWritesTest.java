package io.taskforce.contract;

import static io.taskforce.testing.TestExecutors.input;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.taskforce.Taskforce;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.testing.TestConfigs;
import io.taskforce.testing.TestExecutors;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * Journal writes bound the throughput, so they are counted: the rows a task that runs and
 * completes costs its own entity and its session (docs/benchmarks.md gives the figure).
 */
class JournalWritesTest {

  @Test
  void aTaskThatRunsAndCompletesWritesFourRowsAndItsSessionFour() throws Exception {
    var config = TestConfigs.h2(TestConfigs.freshDataDir(), "");
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "writes", config);
    try {
      Taskforce tf = Taskforce.builder(system).executors(TestExecutors.registry()).start()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      String url = config.getString("taskforce.persistence.db.url");
      // The first task creates the session; the second shows the steady cost per task.
      for (String id : new String[] {"first", "second"}) {
        tf.dispatch("default", "s-writes", TaskSpec.of("echo", input("n", 1)).withId(id))
            .toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
      TestProbe<Object> probe = TestProbe.create(system);
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(100), () -> {
        assertEquals(TaskStatus.COMPLETED, tf.task("default", "second").toCompletableFuture().join().status());
        // Final, confirmed (task) and forgotten (session): nothing more will be written for it.
        assertEquals(4, rows(url, "task|default|second"));
        assertEquals(9, rows(url, "session|default|s-writes"));
        return null;
      });
      System.out.println("journal rows of a completed task: task 4, session 4 (+1 for the session's creation)");
    } finally {
      ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    }
  }

  private static long rows(String url, String persistenceId) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
      s.setString(1, persistenceId);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }
}
