package io.taskforce.internal.readmodel;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * The read model's tables, in DDL that H2 2.x and PostgreSQL (15) both accept. Times are epoch
 * milliseconds ({@code BIGINT}), so ordering and cursors compare exactly on both databases; the
 * exact instants are kept in the JSON.
 */
final class ReadModelSchema {
  static final String TASK_TABLE = "tf_rm_task";
  static final String SESSION_TABLE = "tf_rm_session";

  static final List<String> DDL =
      List.of(
          "CREATE TABLE IF NOT EXISTS tf_rm_task ("
              + " tenant VARCHAR(255) NOT NULL,"
              + " task_id VARCHAR(255) NOT NULL,"
              + " session_id VARCHAR(255),"
              + " status VARCHAR(32) NOT NULL,"
              + " priority INTEGER NOT NULL,"
              + " created_at BIGINT NOT NULL,"
              + " updated_at BIGINT NOT NULL,"
              + " seq_nr BIGINT NOT NULL,"
              + " state_type VARCHAR(64) NOT NULL,"
              + " state_json TEXT NOT NULL,"
              + " view_json TEXT NOT NULL,"
              + " CONSTRAINT tf_rm_task_pk PRIMARY KEY (tenant, task_id))",
          "CREATE INDEX IF NOT EXISTS tf_rm_task_created_idx"
              + " ON tf_rm_task (tenant, created_at DESC, task_id DESC)",
          "CREATE INDEX IF NOT EXISTS tf_rm_task_session_idx"
              + " ON tf_rm_task (tenant, session_id, created_at DESC, task_id DESC)",
          "CREATE INDEX IF NOT EXISTS tf_rm_task_status_idx"
              + " ON tf_rm_task (tenant, status, created_at DESC, task_id DESC)",
          "CREATE TABLE IF NOT EXISTS tf_rm_session ("
              + " tenant VARCHAR(255) NOT NULL,"
              + " session_id VARCHAR(255) NOT NULL,"
              + " title TEXT,"
              + " status VARCHAR(16) NOT NULL,"
              + " created_at BIGINT NOT NULL,"
              + " created_at_iso VARCHAR(40) NOT NULL,"
              + " updated_at BIGINT NOT NULL,"
              + " max_concurrent_tasks INTEGER NOT NULL,"
              + " metadata TEXT,"
              + " last_event_seq BIGINT NOT NULL,"
              + " acked_event_seq BIGINT NOT NULL,"
              + " seq_nr BIGINT NOT NULL,"
              + " CONSTRAINT tf_rm_session_pk PRIMARY KEY (tenant, session_id))",
          "CREATE INDEX IF NOT EXISTS tf_rm_session_created_idx"
              + " ON tf_rm_session (tenant, created_at DESC, session_id DESC)",
          // The journal's tag table is keyed (event_id, tag); the projections' catch-up (the newest
          // event of a tag) and the pruning of handled tag rows (ReadModel#pruneTags) look by tag.
          "CREATE INDEX IF NOT EXISTS tf_event_tag_tag_idx ON \"event_tag\" (\"tag\", \"event_id\")");

  private ReadModelSchema() {}

  /**
   * Creates what is missing. Nodes starting together may race on PostgreSQL's catalog ("IF NOT
   * EXISTS" is not atomic there), so a failed round is tried again: the next one finds the tables.
   */
  static void createIfMissing(DataSource dataSource) throws SQLException, InterruptedException {
    SQLException last = null;
    for (int round = 1; round <= 3; round++) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          for (String ddl : DDL) s.execute(ddl);
        }
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(200L * round);
      }
    }
    throw last;
  }
}
