package io.taskforce.contract;

import static io.taskforce.testing.TestExecutors.input;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.Taskforce;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.testing.TestConfigs;
import io.taskforce.testing.TestExecutors;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;

/**
 * Journal writes bound the throughput, so they are counted: the rows a task that runs and
 * completes costs its own entity and its session (docs/benchmarks.md gives the figure).
 */
class JournalWritesTest {

  @Test
  void aTaskThatRunsAndCompletesWritesFourRowsAndItsSessionThreePlusAShareOfOne() throws Exception {
    var config = TestConfigs.h2(TestConfigs.freshDataDir(), "");
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "writes", config);
    try {
      Taskforce tf = Taskforce.builder(system).executors(TestExecutors.registry()).start()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      String url = config.getString("taskforce.persistence.db.url");
      Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
      // The first task creates the session; the second shows the steady cost per task.
      for (String id : new String[] {"first", "second"}) {
        tf.dispatch("default", "s-writes", TaskSpec.of("echo", input("n", 1)).withId(id))
            .toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
      TestProbe<Object> probe = TestProbe.create(system);
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(100), () -> {
        assertEquals(TaskStatus.COMPLETED, tf.task("default", "second").toCompletableFuture().join().status());
        // Final and confirmed (task), applied and let go (session): nothing more is written for it.
        assertEquals(4, events(url, serialization, "task|default|second").size());
        List<Object> session = events(url, serialization, "session|default|s-writes");
        assertEquals(1, count(session, SessionEvent.SessionCreated.class));
        assertEquals(6, count(session, SessionEvent.ReportApplied.class));
        // Letting tasks go is one row for all that confirmed since the last write: here the two
        // tasks share one, or each has its own.
        List<SessionEvent.TasksForgotten> forgotten = session.stream()
            .filter(SessionEvent.TasksForgotten.class::isInstance).map(SessionEvent.TasksForgotten.class::cast).toList();
        assertEquals(Set.of("first", "second"),
            forgotten.stream().flatMap(f -> f.taskIds().stream()).collect(Collectors.toSet()));
        assertTrue(forgotten.size() <= 2, "rows letting tasks go: " + forgotten);
        assertEquals(7 + forgotten.size(), session.size(), "session rows: " + session);
        return null;
      });
      System.out.println("journal rows of a completed task: task 4, session 3 (+1 for the session's creation,"
          + " +1 shared by the tasks it lets go in one write)");
    } finally {
      ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    }
  }

  private static long count(List<Object> events, Class<?> type) {
    return events.stream().filter(type::isInstance).count();
  }

  /** The events of {@code persistenceId} in the journal, read back as the journal would. */
  private static List<Object> events(String url, Serialization serialization, String persistenceId) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        PreparedStatement s = c.prepareStatement("SELECT \"event_ser_id\", \"event_ser_manifest\", \"event_payload\""
            + " FROM \"event_journal\" WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\"")) {
      s.setString(1, persistenceId);
      List<Object> events = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          events.add(serialization.deserialize(r.getBytes(3), r.getInt(1), r.getString(2)).get());
        }
      }
      return events;
    }
  }
}
