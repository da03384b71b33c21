package io.taskforce.internal.readmodel;

import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.session.SessionEvent.FeedAcked;
import io.taskforce.internal.session.SessionEvent.ReportApplied;
import io.taskforce.internal.session.SessionEvent.SessionClosed;
import io.taskforce.internal.session.SessionEvent.SessionCreated;
import io.taskforce.internal.session.SessionInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one row per session: what it is (from {@link SessionCreated}), whether it is closed, and
 * how far its feed and its consumer's acknowledgements have come. A session's task counts are not
 * kept here: listings count the task rows.
 */
final class SessionProjectionHandler
    extends JdbcHandler<List<EventEnvelope<SessionEvent>>, ReadModelJdbcSession> {
  static final String ENTITY_TYPE = "session";
  static final String ACTIVE = "active";
  static final String CLOSED = "closed";
  private static final Logger log = LoggerFactory.getLogger(SessionProjectionHandler.class);

  private static final String SELECT =
      "SELECT title, status, created_at, created_at_iso, updated_at, max_concurrent_tasks, metadata,"
          + " last_event_seq, acked_event_seq, seq_nr FROM tf_rm_session WHERE tenant = ? AND session_id = ?";
  private static final String UPDATE =
      "UPDATE tf_rm_session SET title = ?, status = ?, created_at = ?, created_at_iso = ?, updated_at = ?,"
          + " max_concurrent_tasks = ?, metadata = ?, last_event_seq = ?, acked_event_seq = ?, seq_nr = ?"
          + " WHERE tenant = ? AND session_id = ?";
  private static final String INSERT =
      "INSERT INTO tf_rm_session (title, status, created_at, created_at_iso, updated_at, max_concurrent_tasks,"
          + " metadata, last_event_seq, acked_event_seq, seq_nr, tenant, session_id)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final StateCodec codec;

  SessionProjectionHandler(StateCodec codec) {
    this.codec = codec;
  }

  private static final class Row {
    final RowKey key;
    final boolean exists;
    boolean created;
    String title;
    String status;
    long createdAt;
    String createdAtIso;
    long updatedAt;
    int maxConcurrentTasks;
    String metadata;
    long lastEventSeq;
    long ackedEventSeq;
    long seqNr;
    boolean dirty;

    Row(RowKey key, boolean exists) {
      this.key = key;
      this.exists = exists;
      this.created = exists;
    }
  }

  @Override
  public void process(ReadModelJdbcSession session, List<EventEnvelope<SessionEvent>> envelopes) throws Exception {
    session.withConnection(
        connection -> {
          apply(connection, envelopes);
          return null;
        });
  }

  void apply(Connection connection, List<? extends EventEnvelope<?>> envelopes) throws SQLException {
    Map<RowKey, Row> rows = new LinkedHashMap<>();
    for (EventEnvelope<?> envelope : envelopes) {
      if (!(envelope.event() instanceof SessionEvent event)) {
        log.warn("read model: ignoring a non-session event of {}", envelope.persistenceId());
        continue;
      }
      RowKey key = RowKey.parse(ENTITY_TYPE, envelope.persistenceId());
      if (key == null) {
        log.warn("read model: ignoring a session event of unexpected persistence id {}", envelope.persistenceId());
        continue;
      }
      Row row = rows.get(key);
      if (row == null) {
        row = load(connection, key);
        rows.put(key, row);
      }
      if (envelope.sequenceNr() <= row.seqNr) continue; // applied before
      if (!row.created && !(event instanceof SessionCreated)) {
        log.error(
            "read model: event {} #{} of {} precedes its session's creation; skipped",
            event.getClass().getSimpleName(),
            envelope.sequenceNr(),
            envelope.persistenceId());
        row.seqNr = envelope.sequenceNr();
        continue;
      }
      applyEvent(row, event);
      row.seqNr = envelope.sequenceNr();
      row.updatedAt = millis(event.at());
      row.dirty = true;
    }
    for (Row row : rows.values()) {
      if (row.dirty && row.created) store(connection, row);
    }
  }

  private void applyEvent(Row row, SessionEvent event) {
    if (event instanceof SessionCreated e) {
      SessionInfo info = e.info();
      Instant createdAt = info.createdAt() != null ? info.createdAt() : e.at();
      row.created = true;
      row.title = info.title();
      row.status = ACTIVE;
      row.createdAt = millis(createdAt);
      row.createdAtIso = createdAt.toString();
      row.maxConcurrentTasks = info.maxConcurrentTasks();
      row.metadata = info.metadata() == null || info.metadata().isNull() ? null : codec.write(info.metadata());
    } else if (event instanceof ReportApplied e) {
      row.lastEventSeq = Math.max(row.lastEventSeq, e.feedSeq());
    } else if (event instanceof FeedAcked e) {
      row.ackedEventSeq = Math.max(row.ackedEventSeq, e.upTo());
    } else if (event instanceof SessionClosed) {
      row.status = CLOSED;
    }
    // Letting finished tasks go (TaskForgotten, TasksForgotten) changes nothing a listing shows.
  }

  private Row load(Connection connection, RowKey key) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(SELECT)) {
      ps.setString(1, key.tenant());
      ps.setString(2, key.id());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return new Row(key, false);
        Row row = new Row(key, true);
        row.title = rs.getString(1);
        row.status = rs.getString(2);
        row.createdAt = rs.getLong(3);
        row.createdAtIso = rs.getString(4);
        row.updatedAt = rs.getLong(5);
        row.maxConcurrentTasks = rs.getInt(6);
        row.metadata = rs.getString(7);
        row.lastEventSeq = rs.getLong(8);
        row.ackedEventSeq = rs.getLong(9);
        row.seqNr = rs.getLong(10);
        return row;
      }
    }
  }

  private static void store(Connection connection, Row row) throws SQLException {
    if (row.exists) {
      try (PreparedStatement ps = connection.prepareStatement(UPDATE)) {
        bind(ps, row);
        if (ps.executeUpdate() > 0) return;
      }
    }
    try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
      bind(ps, row);
      ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Row row) throws SQLException {
    ps.setString(1, row.title);
    ps.setString(2, row.status);
    ps.setLong(3, row.createdAt);
    ps.setString(4, row.createdAtIso);
    ps.setLong(5, row.updatedAt);
    ps.setInt(6, row.maxConcurrentTasks);
    ps.setString(7, row.metadata);
    ps.setLong(8, row.lastEventSeq);
    ps.setLong(9, row.ackedEventSeq);
    ps.setLong(10, row.seqNr);
    ps.setString(11, row.key.tenant());
    ps.setString(12, row.key.id());
  }

  private static long millis(Instant at) {
    return at != null ? at.toEpochMilli() : System.currentTimeMillis();
  }
}
