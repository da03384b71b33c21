package io.taskforce.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.TaskforceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A fresh database for one run: an H2 file in a new temporary data directory, or a new PostgreSQL
 * database {@code taskforce_bench_<timestamp>_<random>} on 127.0.0.1:5432 (user postgres, trust
 * auth). {@link #close} drops it (PostgreSQL) and deletes the data directory.
 */
public final class Database implements AutoCloseable {
  static final String POSTGRES_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
  static final String POSTGRES_USER = "postgres";

  private final Target.Db kind;
  private final Path dataDir;
  private final String postgresName;
  private final String url;
  private final String user;

  private Database(Target.Db kind, Path dataDir, String postgresName, String url, String user) {
    this.kind = kind;
    this.dataDir = dataDir;
    this.postgresName = postgresName;
    this.url = url;
    this.user = user;
  }

  public static Database fresh(Target.Db kind) {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("taskforce-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (kind == Target.Db.H2) {
      Config derived = TaskforceConfig.load(ConfigFactory.parseString(
          "taskforce.data-dir = \"" + dataDir.toString().replace("\\", "/") + "\"\ntaskforce.persistence.kind = h2"));
      return new Database(kind, dataDir, null, derived.getString("taskforce.persistence.db.url"),
          derived.getString("taskforce.persistence.db.user"));
    }
    String name = "taskforce_bench_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
        + "_" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    try (Connection c = DriverManager.getConnection(POSTGRES_ADMIN_URL, POSTGRES_USER, "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the PostgreSQL database " + name
          + " (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth?)", e);
    }
    return new Database(kind, dataDir, name, "jdbc:postgresql://127.0.0.1:5432/" + name, POSTGRES_USER);
  }

  public Target.Db kind() {
    return kind;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  /** Taskforce's configuration lines that point a node at this database. */
  public String taskforceConfig() {
    String dir = "taskforce.data-dir = \"" + dataDir.toString().replace("\\", "/") + "\"\n";
    if (kind == Target.Db.H2) return dir + "taskforce.persistence.kind = h2\n";
    return dir + "taskforce.persistence.kind = postgres\ntaskforce.persistence.postgres.url = \"" + url + "\"\n"
        + "taskforce.persistence.postgres.user = \"" + user + "\"\ntaskforce.persistence.postgres.password = \"\"\n";
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, "");
  }

  /** Rows in Taskforce's journal table now (0 when it does not exist yet). */
  public long journalRows() {
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + journalTable())) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      return 0;
    }
  }

  /** The journal table's name as this database's SQL spells it (H2's is quoted lower case). */
  public String journalTable() {
    return kind == Target.Db.H2 ? "\"event_journal\"" : "event_journal";
  }

  @Override
  public void close() {
    if (postgresName != null) {
      try (Connection c = DriverManager.getConnection(POSTGRES_ADMIN_URL, POSTGRES_USER, "");
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + postgresName + " WITH (FORCE)");
      } catch (SQLException e) {
        System.err.println("bench: could not drop " + postgresName + ": " + e.getMessage());
      }
    }
    if (kind == Target.Db.H2) {
      // Closes the embedded database if a connection of ours (JobRunr's, the raw inserts') left it open.
      try (Connection c = connect(); Statement s = c.createStatement()) {
        s.execute("SHUTDOWN");
      } catch (SQLException ignored) {
        // already closed
      }
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans it eventually
    }
  }
}
