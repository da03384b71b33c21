package io.taskforce.internal.task;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * The configuration of an ActorSystem for entity unit tests: the in-memory journal and snapshot
 * store of the persistence testkit under Taskforce's own plugin ids, a local provider (the entities
 * talk to probes, not to sharding), and the given overrides of {@code taskforce.*} settings.
 */
public final class EntityTestConfig {
  private EntityTestConfig() {}

  public static Config with(String overrides) {
    return ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(String.join("\n",
            "pekko.actor.provider = local",
            "pekko.loglevel = WARNING",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "taskforce.persistence.journal-plugin-id = \"pekko.persistence.testkit.journal\"",
            "taskforce.persistence.snapshot-plugin-id = \"" + PersistenceTestKitSnapshotPlugin.PluginId() + "\"")))
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config());
  }
}
