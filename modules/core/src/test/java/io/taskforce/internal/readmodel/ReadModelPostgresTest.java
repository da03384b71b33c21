package io.taskforce.internal.readmodel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The read model on PostgreSQL at 127.0.0.1:5432 (user postgres, trust authentication), in a fresh
 * database of its own that is dropped afterwards. Skipped when no server answers there.
 */
class ReadModelPostgresTest extends ReadModelScenario {
  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  private final String database = "tf_readmodel_" + UUID.randomUUID().toString().replace("-", "");
  private boolean created;

  @Override
  Config databaseConfig() throws SQLException {
    Connection admin;
    try {
      admin = DriverManager.getConnection(SERVER + "postgres?connectTimeout=3", "postgres", "");
    } catch (SQLException e) {
      assumeTrue(false, "no PostgreSQL at 127.0.0.1:5432: " + e.getMessage());
      throw e;
    }
    try (admin;
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + database);
      created = true;
    }
    return ConfigFactory.parseString(
        String.join(
            "\n",
            "taskforce.persistence.postgres.url = \"" + SERVER + database + "\"",
            "taskforce.persistence.postgres.user = postgres",
            "taskforce.persistence.postgres.password = \"\"",
            "taskforce.persistence.kind = postgres",
            // Nothing of the embedded default is used, but it must not be written to the working dir.
            "taskforce.data-dir = \"" + System.getProperty("java.io.tmpdir") + "/tf-readmodel-pg\""));
  }

  @Override
  void cleanUpDatabase() throws SQLException {
    if (!created) return;
    try (Connection admin = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }
}
