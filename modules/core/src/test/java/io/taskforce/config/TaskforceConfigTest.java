package io.taskforce.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.taskforce.TaskforceConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What {@link TaskforceConfig} derives, for the server and for embedding applications alike. */
class TaskforceConfigTest {
  private static final String DRAIN_PHASE = "pekko.coordinated-shutdown.phases.before-service-unbind.timeout";

  @Test
  void theDrainsShutdownPhaseOutlastsTheDrain() {
    var config = TaskforceConfig.load(ConfigFactory.parseString("taskforce.node.drain-seconds = 120"));
    assertEquals(Duration.ofSeconds(135), config.getDuration(DRAIN_PHASE));
  }

  @Test
  void aLongerPhaseThanTheDrainNeedsIsKept() {
    var config = TaskforceConfig.load(ConfigFactory.parseString(
        "taskforce.node.drain-seconds = 5\n" + DRAIN_PHASE + " = 90s"));
    assertEquals(Duration.ofSeconds(90), config.getDuration(DRAIN_PHASE));
  }

  @Test
  void theProjectionTablesAreTaskforcesWhateverTheClassPathOrder() {
    // pekko-projection-jdbc's reference.conf names other tables; an application.conf-level
    // override beats every reference.conf, as derive's values do.
    var config = TaskforceConfig.load(ConfigFactory.parseString(
        "pekko.projection.jdbc.offset-store.table = pekko_projection_offset_store"));
    assertEquals("tf_projection_offset", config.getString("pekko.projection.jdbc.offset-store.table"));
    assertEquals("tf_projection_management", config.getString("pekko.projection.jdbc.offset-store.management-table"));
    assertTrue(TaskforceConfig.isDerived(config));
  }

  @Test
  void theEntitiesStashCapacityIsTaskforcesWhateverTheClassPathOrder() {
    // pekko-persistence-typed's reference.conf says 4096; on a class path where it comes first, a
    // value in Taskforce's reference.conf would not count (it did not, in ./taskforce bench).
    assertEquals(100_000, TaskforceConfig.load().getInt("pekko.persistence.typed.stash-capacity"));
    var config = TaskforceConfig.load(ConfigFactory.parseString("taskforce.entity-stash-capacity = 1234"));
    assertEquals(1234, config.getInt("pekko.persistence.typed.stash-capacity"));
  }

  @Test
  void anUnknownJournalKindIsRefusedNamingTheVariable() {
    var error = assertThrows(IllegalArgumentException.class,
        () -> TaskforceConfig.load(ConfigFactory.parseString("taskforce.persistence.kind = mysql")));
    assertTrue(error.getMessage().contains("TASKFORCE_JOURNAL"), error.getMessage());
  }
}
