package io.taskforce.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.TaskforceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** Configurations for tests: a fresh data directory, a random port, short timers. */
public final class TestConfigs {
  private TestConfigs() {}

  public static final String POSTGRES_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

  public static Path freshDataDir() {
    try {
      return Files.createTempDirectory("taskforce-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A one-node cluster on H2 in {@code dataDir}. */
  public static Config h2(Path dataDir, String overrides) {
    return TaskforceConfig.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "taskforce.data-dir = \"" + dataDir.toString().replace("\\", "/") + "\""))
        .withFallback(common()));
  }

  /** A one-node cluster on a PostgreSQL database {@code database} (see {@link #createPostgresDatabase}). */
  public static Config postgres(String database, Path dataDir, String overrides) {
    return TaskforceConfig.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "taskforce.data-dir = \"" + dataDir.toString().replace("\\", "/") + "\"\n"
                + "taskforce.persistence.postgres.url = \"jdbc:postgresql://127.0.0.1:5432/" + database + "\"\n"
                + "taskforce.persistence.kind = postgres"))
        .withFallback(common()));
  }

  private static Config common() {
    return ConfigFactory.parseString(String.join("\n",
        "pekko.actor.provider = cluster",
        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
        "pekko.remote.artery.canonical.port = 0",
        "pekko.loglevel = INFO",
        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
        "pekko.actor.serialize-messages = off",
        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
        "pekko.coordinated-shutdown.exit-jvm = off",
        "taskforce.task.retell-interval = 300ms",
        "taskforce.session.retell-interval = 300ms",
        "taskforce.task.retry-backoff-min = 50ms",
        "taskforce.task.retry-backoff-max = 200ms",
        "taskforce.task.progress-write-interval = 200ms",
        // Tests stop nodes with attempts running; a drain would only make them wait (drain tests set it).
        "taskforce.node.drain-seconds = 0",
        // Read by the server only: its Pekko Management on a random port, so test servers never collide.
        "taskforce.server.management.port = 0"));
  }

  /** A one-node cluster on the PostgreSQL database at {@code jdbcUrl} (a proxy in front of one, say). */
  public static Config postgresAt(String jdbcUrl, Path dataDir, String overrides) {
    return TaskforceConfig.load(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "taskforce.data-dir = \"" + dataDir.toString().replace("\\", "/") + "\"\n"
                + "taskforce.persistence.postgres.url = \"" + jdbcUrl + "\"\n"
                + "taskforce.persistence.kind = postgres"))
        .withFallback(common()));
  }

  /** Creates an empty database with a unique name and returns the name. */
  public static String createPostgresDatabase(String prefix) {
    String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(POSTGRES_ADMIN_URL, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the PostgreSQL test database", e);
    }
    return name;
  }

  public static void dropPostgresDatabase(String name) {
    try (Connection c = DriverManager.getConnection(POSTGRES_ADMIN_URL, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the PostgreSQL test database " + name, e);
    }
  }
}
