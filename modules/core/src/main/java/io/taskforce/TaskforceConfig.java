package io.taskforce;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Makes the configuration an ActorSystem that runs Taskforce needs. Typesafe Config resolves
 * {@code reference.conf} on its own, so settings derived from an application's values (the H2
 * file under its data directory, the database of the chosen {@code taskforce.persistence.kind})
 * are filled in here, in one place, before the ActorSystem is made.
 *
 * <pre>{@code
 * ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "host", TaskforceConfig.load());
 * }</pre>
 */
public final class TaskforceConfig {
  private TaskforceConfig() {}

  /** {@code application.conf} and every {@code reference.conf}, with Taskforce's derived settings. */
  public static Config load() {
    return derive(ConfigFactory.load());
  }

  /** {@code overrides} over {@link #load()}. */
  public static Config load(Config overrides) {
    // Resolved as one stack, so that reference.conf's substitutions see the overrides too.
    return derive(ConfigFactory.load(overrides.withFallback(ConfigFactory.defaultApplication())));
  }

  /** {@code config} with the settings Taskforce derives from its {@code taskforce} section. */
  public static Config derive(Config config) {
    Config resolved = config.resolve();
    Config persistence = resolved.getConfig("taskforce.persistence");
    String kind = persistence.getString("kind");
    if (!kind.equals("h2") && !kind.equals("postgres")) {
      throw new IllegalArgumentException(
          "taskforce.persistence.kind (TASKFORCE_JOURNAL) must be h2 or postgres, was '" + kind + "'");
    }
    Config db = persistence.getConfig(kind);
    String url = db.getString("url");
    if (kind.equals("h2") && url.isEmpty()) url = h2Url(Path.of(resolved.getString("taskforce.data-dir")));
    int poolSize = persistence.getInt("pool-size");
    Map<String, Object> derived = new HashMap<>(Map.ofEntries(
        Map.entry("taskforce.persistence.db.url", url),
        Map.entry("taskforce.persistence.db.user", db.getString("user")),
        Map.entry("taskforce.persistence.db.password", db.getString("password")),
        Map.entry("taskforce.persistence.db.driver", db.getString("driver")),
        Map.entry("taskforce.persistence.db.slick-profile", db.getString("slick-profile")),
        Map.entry("taskforce.persistence.db.projection-dialect", db.getString("projection-dialect")),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.profile", db.getString("slick-profile")),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.url", url),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.user", db.getString("user")),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.password", db.getString("password")),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.driver", db.getString("driver")),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.numThreads", poolSize),
        Map.entry("pekko-persistence-jdbc.shared-databases.taskforce.db.maxConnections", poolSize),
        Map.entry("taskforce.persistence.journal.parallelism", db.getInt("journal-parallelism")),
        Map.entry("pekko.projection.jdbc.dialect", db.getString("projection-dialect")),
        Map.entry("pekko.projection.jdbc.blocking-jdbc-dispatcher.thread-pool-executor.fixed-pool-size",
            resolved.getInt("taskforce.read-model.pool-size")),
        // Set here, not in reference.conf: pekko-projection-jdbc's and pekko-persistence-typed's own
        // reference.conf set these keys too, and which of two reference.conf files wins depends on
        // the class path's order.
        Map.entry("pekko.persistence.typed.stash-capacity", resolved.getInt("taskforce.entity-stash-capacity")),
        Map.entry("pekko.projection.jdbc.offset-store.table", PROJECTION_OFFSET_TABLE),
        Map.entry("pekko.projection.jdbc.offset-store.management-table", PROJECTION_MANAGEMENT_TABLE)));
    // The drain (taskforce.node.drain-seconds) runs in the first phase of the coordinated shutdown,
    // which must outlast it, with room to hand over what is left.
    Duration drainPhase = Duration.ofSeconds(resolved.getLong("taskforce.node.drain-seconds")).plus(DRAIN_PHASE_MARGIN);
    Duration phase = resolved.hasPath(DRAIN_PHASE_TIMEOUT)
        ? resolved.getDuration(DRAIN_PHASE_TIMEOUT)
        : resolved.getDuration("pekko.coordinated-shutdown.default-phase-timeout");
    if (phase.compareTo(drainPhase) < 0) {
      derived.put(DRAIN_PHASE_TIMEOUT, drainPhase.toMillis() + "ms");
    }
    return ConfigFactory.parseMap(derived, "derived by TaskforceConfig").withFallback(resolved).resolve();
  }

  static final String PROJECTION_OFFSET_TABLE = "tf_projection_offset";
  static final String PROJECTION_MANAGEMENT_TABLE = "tf_projection_management";
  static final String DRAIN_PHASE_TIMEOUT = "pekko.coordinated-shutdown.phases.before-service-unbind.timeout";
  /** Room the drain's shutdown phase keeps beyond the drain itself (handing over what is left). */
  public static final Duration DRAIN_PHASE_MARGIN = Duration.ofSeconds(15);

  /** Whether {@code config} went through {@link #derive}. */
  public static boolean isDerived(Config config) {
    return config.hasPath("taskforce.persistence.db.url")
        && config.getString("taskforce.persistence.db.url")
            .equals(config.getString("pekko-persistence-jdbc.shared-databases.taskforce.db.url"));
  }

  static String h2Url(Path dataDir) {
    String path = dataDir.toAbsolutePath().normalize().toString().replace('\\', '/');
    return "jdbc:h2:file:" + path + "/taskforce;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

}
