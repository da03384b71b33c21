package io.taskforce.server.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.server.ClusterFormation;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.event.NoLogging$;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrapSettings;
import org.junit.jupiter.api.Test;

/** conf/application.conf, cluster.conf and postgres.conf as a node reads them, under several environments. */
class ClusterConfigTest {
  private static final Map<String, String> POSTGRES = Map.of(
      "TASKFORCE_JOURNAL", "postgres",
      "TASKFORCE_DB_URL", "jdbc:postgresql://db.example:5432/taskforce",
      "TASKFORCE_DB_USER", "taskforce",
      "TASKFORCE_DB_PASSWORD", "secret");

  @Test
  void aSingleNodeByDefaultJoinsItselfOnLoopback() {
    Config config = ConfFiles.load(Map.of());
    assertEquals("cluster", config.getString("pekko.actor.provider"));
    assertEquals("127.0.0.1", config.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(2551, config.getInt("pekko.remote.artery.canonical.port"));
    assertTrue(config.getStringList("pekko.cluster.seed-nodes").isEmpty());
    assertFalse(ClusterFormation.bootstrapEnabled(config));
    assertTrue(config.getBoolean("taskforce.cluster.join-self-without-seeds"));
    assertEquals("h2", config.getString("taskforce.persistence.kind"));
    assertTrue(config.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
  }

  @Test
  void addressesAndSeedsComeFromTheEnvironment() {
    Config config = ConfFiles.load(Map.of(
        "TASKFORCE_REMOTE_HOST", "10.1.2.3",
        "TASKFORCE_REMOTE_PORT", "25520",
        "TASKFORCE_MGMT_HOST", "10.1.2.3",
        "TASKFORCE_MGMT_PORT", "18558",
        "TASKFORCE_SEEDS", "10.1.2.3:25520,10.1.2.4:25520"));
    assertEquals("10.1.2.3", config.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(25520, config.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("10.1.2.3", config.getString("taskforce.server.management.host"));
    assertEquals(18558, config.getInt("taskforce.server.management.port"));
    assertEquals(List.of("pekko://taskforce@10.1.2.3:25520", "pekko://taskforce@10.1.2.4:25520"),
        config.getStringList("pekko.cluster.seed-nodes"));
    assertFalse(ClusterFormation.bootstrapEnabled(config));
  }

  @Test
  void theSplitBrainResolverKeepsTheMajorityAfterADocumentedStableTime() {
    Config config = ConfFiles.load(Map.of());
    assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        config.getString("pekko.cluster.downing-provider-class"));
    assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(Duration.ofSeconds(15), config.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    // Not stable-after (Pekko's default when unset): a self-downed node stops its regions at once.
    assertEquals(Duration.ofSeconds(10), config.getDuration("pekko.cluster.down-removal-margin"));
    assertEquals("on", config.getString("pekko.cluster.split-brain-resolver.down-all-when-unstable"));

    Config later = ConfFiles.load(Map.of("TASKFORCE_SBR_STABLE_AFTER", "25s", "TASKFORCE_SBR_DOWN_REMOVAL_MARGIN", "13s"));
    assertEquals(Duration.ofSeconds(25), later.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(Duration.ofSeconds(13), later.getDuration("pekko.cluster.down-removal-margin"));

    // A bare number would be milliseconds to HOCON; the server takes it as seconds.
    Config bare = ConfFiles.load(Map.of("TASKFORCE_SBR_STABLE_AFTER", "40", "TASKFORCE_SBR_DOWN_REMOVAL_MARGIN", "20"));
    assertEquals(Duration.ofSeconds(40), bare.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(Duration.ofSeconds(20), bare.getDuration("pekko.cluster.down-removal-margin"));
    assertEquals(Duration.ofSeconds(10), ConfFiles.load(Map.of("TASKFORCE_SBR_STABLE_AFTER", "40"))
        .getDuration("pekko.cluster.down-removal-margin"));
  }

  @Test
  void theFailureDetectorToleratesABusyMachine() {
    Config detector = ConfFiles.load(Map.of()).getConfig("pekko.cluster.failure-detector");
    assertEquals(Duration.ofSeconds(1), detector.getDuration("heartbeat-interval"));
    assertEquals(Duration.ofSeconds(6), detector.getDuration("acceptable-heartbeat-pause"));
    assertEquals(12.0, detector.getDouble("threshold"));
    // Detection must stay well inside the resolver's stable-after, or it would act on stale views.
    assertTrue(detector.getDuration("acceptable-heartbeat-pause").multipliedBy(2)
        .compareTo(ConfFiles.load(Map.of()).getDuration("pekko.cluster.split-brain-resolver.stable-after")) <= 0);
  }

  @Test
  void tasksRebalanceSlowerThanSessions() {
    Config config = ConfFiles.load(Map.of());
    Config pekkoSharding = config.getConfig("pekko.cluster.sharding");
    // As TaskforceNode builds each entity type's settings: its section over pekko.cluster.sharding.
    ClusterShardingSettings task = ClusterShardingSettings.fromConfig(
        config.getConfig("taskforce.sharding.task").withFallback(pekkoSharding));
    ClusterShardingSettings session = ClusterShardingSettings.fromConfig(
        config.getConfig("taskforce.sharding.session").withFallback(pekkoSharding));
    assertEquals(2, task.tuningParameters().leastShardAllocationAbsoluteLimit());
    assertEquals(30_000, task.tuningParameters().rebalanceInterval().toMillis());
    assertEquals(10, session.tuningParameters().leastShardAllocationAbsoluteLimit());
    assertEquals(10_000, session.tuningParameters().rebalanceInterval().toMillis());
    assertEquals(0.1, session.tuningParameters().leastShardAllocationRelativeLimit());
  }

  @Test
  void theDrainPhaseOutlastsTheDrain() {
    Config config = ConfFiles.load(Map.of());
    Duration phase = config.getDuration("pekko.coordinated-shutdown.phases.before-service-unbind.timeout");
    assertEquals(Duration.ofSeconds(45), phase);
    if (config.hasPath("taskforce.node.drain-seconds")) {
      assertTrue(phase.compareTo(Duration.ofSeconds(config.getLong("taskforce.node.drain-seconds"))) > 0);
    }
    // A longer drain lengthens the phase (drain + 15 s, TaskforceConfig); a shorter one leaves it.
    Config longDrain = ConfFiles.load(Map.of("TASKFORCE_DRAIN_SECONDS", "120"));
    assertEquals(Duration.ofSeconds(135),
        longDrain.getDuration("pekko.coordinated-shutdown.phases.before-service-unbind.timeout"));
    Config shortDrain = ConfFiles.load(Map.of("TASKFORCE_DRAIN_SECONDS", "5"));
    assertEquals(Duration.ofSeconds(45),
        shortDrain.getDuration("pekko.coordinated-shutdown.phases.before-service-unbind.timeout"));
  }

  @Test
  void thePoolSizeOfTheSharedJournalPoolComesFromTheEnvironment() {
    Config config = ConfFiles.load(with(POSTGRES, "TASKFORCE_DB_POOL_SIZE", "7"));
    assertEquals(7, config.getInt("taskforce.persistence.pool-size"));
    assertEquals(7, config.getInt("pekko-persistence-jdbc.shared-databases.taskforce.db.numThreads"));
    assertEquals(7, config.getInt("pekko-persistence-jdbc.shared-databases.taskforce.db.maxConnections"));
    assertEquals("jdbc:postgresql://db.example:5432/taskforce",
        config.getString("pekko-persistence-jdbc.shared-databases.taskforce.db.url"));
    assertEquals("taskforce", config.getString("pekko-persistence-jdbc.shared-databases.taskforce.db.user"));

    Config unset = ConfFiles.load(POSTGRES);
    assertEquals(16, unset.getInt("pekko-persistence-jdbc.shared-databases.taskforce.db.maxConnections"));
  }

  @Test
  void theProjectionOffsetTablesAreNamedByTheApplicationNotByTheClassPathOrder() {
    // Under the launcher's lib/* pekko-projection-jdbc's reference.conf can come before the core's;
    // conf/ names the tables itself, so every node and `db migrate` use the same ones.
    Config own = ConfigFactory.parseFile(ConfFiles.conf("postgres.conf").toFile())
        .getConfig("pekko.projection.jdbc.offset-store");
    assertEquals("tf_projection_offset", own.getString("table"));
    assertEquals("tf_projection_management", own.getString("management-table"));
    assertEquals("", own.getString("schema"));
    assertEquals("tf_projection_offset", ConfFiles.load(Map.of()).getString("pekko.projection.jdbc.offset-store.table"));
  }

  @Test
  void kubernetesDiscoveryTurnsOnClusterBootstrapAndNeverJoinsItself() {
    Map<String, String> env = new HashMap<>(POSTGRES);
    env.put("TASKFORCE_DISCOVERY", "kubernetes-api");
    env.put("TASKFORCE_DISCOVERY_SERVICE", "tf-prod");
    env.put("TASKFORCE_DISCOVERY_REQUIRED_CONTACTS", "3");
    Config config = ConfFiles.load(env);
    assertTrue(ClusterFormation.bootstrapEnabled(config));
    assertFalse(config.getBoolean("taskforce.cluster.join-self-without-seeds"));
    assertEquals("kubernetes-api", config.getString("pekko.discovery.method"));
    assertEquals("app.kubernetes.io/name=%s", config.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
    assertTrue(config.getBoolean("pekko.discovery.kubernetes-api.use-raw-ip"));

    ClusterBootstrapSettings bootstrap = ClusterBootstrapSettings.apply(config, NoLogging$.MODULE$);
    assertEquals("tf-prod", bootstrap.contactPointDiscovery().serviceName().get());
    assertEquals("management", bootstrap.contactPointDiscovery().portName().get());
    assertEquals(3, bootstrap.contactPointDiscovery().requiredContactPointsNr());

    Config selector = ConfFiles.load(with(env, "TASKFORCE_DISCOVERY_LABEL_SELECTOR", "app=%s"));
    assertEquals("app=%s", selector.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
  }

  @Test
  void discoveryIsRefusedWhereItCannotFormASoundCluster() {
    var onH2 = assertThrows(IllegalArgumentException.class,
        () -> ConfFiles.load(Map.of("TASKFORCE_DISCOVERY", "kubernetes-api")));
    assertTrue(onH2.getMessage().contains("TASKFORCE_JOURNAL=postgres"), onH2.getMessage());

    Map<String, String> withSeeds = new HashMap<>(POSTGRES);
    withSeeds.put("TASKFORCE_DISCOVERY", "kubernetes-api");
    withSeeds.put("TASKFORCE_SEEDS", "10.0.0.1:2551");
    var both = assertThrows(IllegalArgumentException.class, () -> ConfFiles.load(withSeeds));
    assertTrue(both.getMessage().contains("TASKFORCE_SEEDS"), both.getMessage());

    var unknown = assertThrows(IllegalArgumentException.class,
        () -> ConfFiles.load(with(POSTGRES, "TASKFORCE_DISCOVERY", "carrier-pigeon")));
    assertTrue(unknown.getMessage().contains("carrier-pigeon"), unknown.getMessage());
  }

  @Test
  void withoutConfFilesTheServerDefaultsStillHold() {
    // Embedded use and the tests load no conf/: nothing there may be needed to start.
    Config plain = ClusterFormation.derive(io.taskforce.TaskforceConfig.load());
    assertFalse(ClusterFormation.bootstrapEnabled(plain));
    assertTrue(plain.getBoolean("taskforce.cluster.join-self-without-seeds"));
  }

  private static Map<String, String> with(Map<String, String> env, String name, String value) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put(name, value);
    return copy;
  }
}
