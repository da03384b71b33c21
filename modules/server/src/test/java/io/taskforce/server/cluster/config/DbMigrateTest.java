package io.taskforce.server.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.server.cli.DbCommand;
import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code taskforce db migrate} on fresh H2 and PostgreSQL databases, in-process and as the real command. */
class DbMigrateTest {
  /** Every table a node needs (the journal's schema script adds durable_state, unused by Taskforce). */
  static final Set<String> TABLES = Set.of("event_journal", "event_tag", "snapshot", "durable_state",
      "tf_rm_task", "tf_rm_session", "tf_projection_offset", "tf_projection_management");

  @TempDir
  Path temp;

  @Test
  void createsEveryTableOfAFreshH2DatabaseOnceAndThenNothing() throws Exception {
    Path dataDir = temp.resolve("h2");
    var config = TestConfigs.h2(dataDir, "");
    DbCommand.Migration first = DbCommand.migrate(config);
    assertEquals("h2", first.kind());
    assertEquals(new TreeSet<>(TABLES), new TreeSet<>(first.created()));
    assertTrue(first.describe().get(1).startsWith("Created 8 tables: "), first.describe().toString());
    assertEquals(TABLES, tables(config.getString("taskforce.persistence.db.url"), "sa"));

    DbCommand.Migration second = DbCommand.migrate(config);
    assertTrue(second.created().isEmpty());
    assertTrue(second.present().containsAll(TABLES), second.present().toString());
    assertTrue(second.describe().get(1).startsWith("Nothing to create"), second.describe().toString());
  }

  @Test
  void createsEveryTableOfAFreshPostgresDatabaseOnceAndThenNothing() throws Exception {
    String db = TestConfigs.createPostgresDatabase("tf_migrate");
    try {
      var config = TestConfigs.postgres(db, temp.resolve("pg"), "");
      DbCommand.Migration first = DbCommand.migrate(config);
      assertEquals("postgres", first.kind());
      assertEquals("jdbc:postgresql://127.0.0.1:5432/" + db, first.url());
      assertEquals(new TreeSet<>(TABLES), new TreeSet<>(first.created()));
      assertEquals(TABLES, tables("jdbc:postgresql://127.0.0.1:5432/" + db, "postgres"));

      DbCommand.Migration second = DbCommand.migrate(config);
      assertTrue(second.created().isEmpty(), second.created().toString());
    } finally {
      TestConfigs.dropPostgresDatabase(db);
    }
  }

  @Test
  void anUnreachableDatabaseIsNamedInTheFailure() {
    var config = TestConfigs.postgresAt("jdbc:postgresql://127.0.0.1:1/nowhere", temp.resolve("x"), "");
    var failure = assertThrows(IllegalStateException.class, () -> DbCommand.migrate(config));
    assertTrue(failure.getMessage().contains("jdbc:postgresql://127.0.0.1:1/nowhere"), failure.getMessage());
  }

  /**
   * The real verb, as {@code ./taskforce db migrate} runs it: its own JVM, conf/application.conf as
   * -Dconfig.file, the database named by TASKFORCE_* variables only.
   */
  @Test
  void theCommandMigratesThePostgresDatabaseThatTheEnvironmentNames() throws Exception {
    String db = TestConfigs.createPostgresDatabase("tf_migrate_cli");
    try {
      Map<String, String> env = Map.of(
          "TASKFORCE_JOURNAL", "postgres",
          "TASKFORCE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/" + db,
          "TASKFORCE_DB_USER", "postgres",
          "TASKFORCE_DB_PASSWORD", "",
          "TASKFORCE_DATA_DIR", temp.resolve("cli-data").toString());
      Run first = runMain(env, "db", "migrate");
      assertEquals(0, first.exit(), first.toString());
      assertTrue(first.stdout().contains("Database: postgres jdbc:postgresql://127.0.0.1:5432/" + db), first.toString());
      assertTrue(first.stdout().contains("Created 8 tables: "), first.toString());
      assertEquals(TABLES, tables("jdbc:postgresql://127.0.0.1:5432/" + db, "postgres"));

      Run second = runMain(env, "db", "migrate");
      assertEquals(0, second.exit(), second.toString());
      assertTrue(second.stdout().contains("Nothing to create"), second.toString());

      Run unreachable = runMain(Map.of("TASKFORCE_JOURNAL", "postgres",
          "TASKFORCE_DB_URL", "jdbc:postgresql://127.0.0.1:1/nowhere",
          "TASKFORCE_DATA_DIR", temp.resolve("cli-data").toString()), "db", "migrate");
      assertEquals(1, unreachable.exit(), unreachable.toString());
      assertTrue(unreachable.stderr().startsWith("taskforce db migrate: cannot use the database"), unreachable.toString());
    } finally {
      TestConfigs.dropPostgresDatabase(db);
    }
  }

  record Run(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private Run runMain(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dconfig.file=" + ConfFiles.conf("application.conf"),
        "-Dlogback.configurationFile=" + ConfFiles.conf("logback.xml"),
        "-cp", System.getProperty("java.class.path"),
        "io.taskforce.server.Main"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(temp, "out", ".txt");
    Path err = Files.createTempFile(temp, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("TASKFORCE_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("db migrate did not end within 90 s");
    }
    return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Set<String> tables(String url, String user) throws Exception {
    Set<String> names = new TreeSet<>();
    try (Connection c = DriverManager.getConnection(url, user, "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables "
            + "WHERE lower(table_schema) = 'public'")) {
      while (rs.next()) names.add(rs.getString(1).toLowerCase(java.util.Locale.ROOT));
    }
    return names;
  }
}
