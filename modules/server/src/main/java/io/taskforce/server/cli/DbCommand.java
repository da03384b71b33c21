package io.taskforce.server.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.internal.DataDirLock;
import io.taskforce.internal.readmodel.ReadModel;
import io.taskforce.server.ServerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code taskforce db migrate}: creates the tables Taskforce needs in the configured database
 * (TASKFORCE_JOURNAL, TASKFORCE_DB_URL/USER/PASSWORD, TASKFORCE_DATA_DIR) if they are missing, and
 * says what it did. A node creates them at start-up as well; the verb lets an operator do it ahead
 * of time, with credentials allowed to create tables, and check that the database is reachable.
 */
@Command(name = "db", mixinStandardHelpOptions = true,
    description = "Database tasks (configuration: conf/ and TASKFORCE_* variables).",
    subcommands = {DbCommand.Migrate.class})
public final class DbCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return ExitCode.USAGE;
  }

  /** What {@link #migrate} found and did. */
  public record Migration(String kind, String url, List<String> created, List<String> present) {
    /** The lines {@code taskforce db migrate} prints. */
    public List<String> describe() {
      List<String> lines = new ArrayList<>();
      lines.add("Database: " + kind + " " + url);
      lines.add(created.isEmpty()
          ? "Nothing to create: every table was already there."
          : "Created " + created.size() + " table" + (created.size() == 1 ? "" : "s") + ": " + String.join(", ", created));
      if (!present.isEmpty()) lines.add("Already there: " + String.join(", ", present));
      return lines;
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = {"Create the journal, snapshot, read-model and projection-offset tables if they are missing, "
          + "then exit. A node also creates them when it starts; this does it ahead of time.",
          "Reads the same configuration as the server (TASKFORCE_JOURNAL, TASKFORCE_DB_URL, TASKFORCE_DB_USER, "
              + "TASKFORCE_DB_PASSWORD, TASKFORCE_DATA_DIR). Exit status 0 when the tables are there, 1 if not."})
  static final class Migrate implements Callable<Integer> {
    @Override
    public Integer call() {
      try {
        Migration done = migrate(ServerConfig.load(System.getenv()));
        done.describe().forEach(System.out::println);
        return 0;
      } catch (Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        System.err.println("taskforce db migrate: " + cause.getMessage());
        return 1;
      }
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Created by the journal's schema script with the others, though Taskforce keeps no durable state. */
  private static final String DURABLE_STATE = "durable_state";

  /**
   * Creates what is missing in the database that {@code serverConfig} (made by {@link
   * ServerConfig#load}) names, through the code a node runs at start-up: {@link
   * SchemaUtils#createIfNotExists} for the journal and snapshot store, {@link ReadModel#start} for
   * the read model's and the projections' offset tables. It runs on an ActorSystem of its own that
   * never joins a cluster (so the read model's projections never run) and stops it afterwards. An
   * H2 database is refused while a node holds its data directory.
   */
  public static Migration migrate(Config serverConfig) throws Exception {
    String kind = serverConfig.getString("taskforce.persistence.kind");
    Config db = serverConfig.getConfig("taskforce.persistence.db");
    Path dataDir = Path.of(serverConfig.getString("taskforce.data-dir")).toAbsolutePath().normalize();
    boolean h2 = kind.equals("h2");
    if (h2) DataDirLock.acquire(dataDir); // a running node holds it, and H2 lets one process open the file
    try {
      Set<String> before = tables(db);
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "taskforce-db-migrate", systemConfig(serverConfig));
      try {
        SchemaUtils.createIfNotExists(serverConfig.getString("taskforce.persistence.journal-plugin-id"), system)
            .toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ReadModel readModel = ReadModel.start(system).toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        readModel.stop();
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      Set<String> after = tables(db);
      Set<String> expected = expectedTables(serverConfig);
      List<String> missing = expected.stream().filter(t -> !after.contains(t)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalStateException("the tables " + missing + " are still missing after the migration");
      }
      List<String> created = after.stream().filter(t -> !before.contains(t)).toList();
      List<String> present = after.stream()
          .filter(t -> before.contains(t) && (expected.contains(t) || t.startsWith("tf_") || t.equals(DURABLE_STATE)))
          .toList();
      return new Migration(kind, displayUrl(db.getString("url")), created, present);
    } finally {
      if (h2) DataDirLock.release(dataDir);
    }
  }

  /** The server's configuration on a system of its own: no remoting port of note, no cluster, no exit. */
  private static Config systemConfig(Config serverConfig) {
    return ConfigFactory.parseString(String.join("\n",
            "pekko.actor.provider = cluster",
            "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.cluster.seed-nodes = []",
            "pekko.coordinated-shutdown.exit-jvm = off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "pekko.cluster.jmx.enabled = off",
            // The migration says what it did; Pekko's start-up lines would only bury it.
            "pekko.loglevel = WARNING",
            "pekko.stdout-loglevel = WARNING"))
        .withFallback(serverConfig).resolve();
  }

  /** The tables of the journal, snapshot store and projections as configured (lower case). */
  private static Set<String> expectedTables(Config config) {
    Set<String> names = new TreeSet<>();
    Config journal = config.getConfig(config.getString("taskforce.persistence.journal-plugin-id"));
    names.add(journal.getString("tables.event_journal.tableName"));
    names.add(journal.getString("tables.event_tag.tableName"));
    Config snapshot = config.getConfig(config.getString("taskforce.persistence.snapshot-plugin-id"));
    names.add(snapshot.getString("tables.snapshot.tableName"));
    names.add(config.getString("pekko.projection.jdbc.offset-store.table"));
    names.add(config.getString("pekko.projection.jdbc.offset-store.management-table"));
    Set<String> lower = new TreeSet<>();
    names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
    return lower;
  }

  /** The database's ordinary tables outside the system schemas, lower case. */
  private static Set<String> tables(Config db) {
    Set<String> names = new TreeSet<>();
    String url = db.getString("url");
    try (Connection c = DriverManager.getConnection(url, db.getString("user"), db.getString("password"))) {
      DatabaseMetaData meta = c.getMetaData();
      try (ResultSet rs = meta.getTables(null, null, "%", null)) {
        while (rs.next()) {
          String schema = String.valueOf(rs.getString("TABLE_SCHEM")).toLowerCase(Locale.ROOT);
          String type = String.valueOf(rs.getString("TABLE_TYPE")).toUpperCase(Locale.ROOT);
          if (schema.equals("information_schema") || schema.startsWith("pg_")) continue;
          if (!type.equals("TABLE") && !type.equals("BASE TABLE")) continue;
          names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot use the database " + displayUrl(url) + ": " + e.getMessage(), e);
    }
    return names;
  }

  /** The URL without its H2 options or a password given in it. */
  static String displayUrl(String url) {
    return url.replaceAll(";.*", "").replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
