package io.taskforce.internal.readmodel;

import io.taskforce.api.TaskView;
import io.taskforce.internal.task.TaskEvent;
import io.taskforce.internal.task.TaskState;
import io.taskforce.internal.task.TaskState.CreatedTask;
import io.taskforce.internal.task.TaskTransitions;
import io.taskforce.internal.task.TaskViews;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one row per task: the task's current state (so the next event can be applied with the same
 * {@link TaskTransitions} the entity uses), the columns listings filter and sort by, and the JSON
 * of the task's view, so a listing reads no state. Envelopes come in groups; each task's row is
 * read and written once per group, in the transaction that also stores the projection's offset.
 *
 * <p>Each row remembers the sequence number of the last event applied to it, so an event seen
 * again (a replay from an older offset) changes nothing.
 */
final class TaskProjectionHandler extends JdbcHandler<List<EventEnvelope<TaskEvent>>, ReadModelJdbcSession> {
  static final String ENTITY_TYPE = "task";
  private static final Logger log = LoggerFactory.getLogger(TaskProjectionHandler.class);

  private static final String SELECT =
      "SELECT seq_nr, state_type, state_json FROM tf_rm_task WHERE tenant = ? AND task_id = ?";
  private static final String UPDATE =
      "UPDATE tf_rm_task SET session_id = ?, status = ?, priority = ?, created_at = ?, updated_at = ?,"
          + " seq_nr = ?, state_type = ?, state_json = ?, view_json = ? WHERE tenant = ? AND task_id = ?";
  private static final String INSERT =
      "INSERT INTO tf_rm_task (session_id, status, priority, created_at, updated_at, seq_nr, state_type,"
          + " state_json, view_json, tenant, task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final StateCodec codec;

  TaskProjectionHandler(StateCodec codec) {
    this.codec = codec;
  }

  private static final class Row {
    final RowKey key;
    final boolean exists;
    long seqNr;
    TaskState state;
    long updatedAt;
    boolean dirty;

    Row(RowKey key, boolean exists, long seqNr, TaskState state) {
      this.key = key;
      this.exists = exists;
      this.seqNr = seqNr;
      this.state = state;
    }
  }

  @Override
  public void process(ReadModelJdbcSession session, List<EventEnvelope<TaskEvent>> envelopes) throws Exception {
    session.withConnection(
        connection -> {
          apply(connection, envelopes);
          return null;
        });
  }

  void apply(Connection connection, List<? extends EventEnvelope<?>> envelopes) throws SQLException {
    Map<RowKey, Row> rows = new LinkedHashMap<>();
    for (EventEnvelope<?> envelope : envelopes) {
      if (!(envelope.event() instanceof TaskEvent event)) {
        log.warn("read model: ignoring a non-task event {} of {}", className(envelope.event()), envelope.persistenceId());
        continue;
      }
      RowKey key = RowKey.parse(ENTITY_TYPE, envelope.persistenceId());
      if (key == null) {
        log.warn("read model: ignoring a task event of unexpected persistence id {}", envelope.persistenceId());
        continue;
      }
      Row row = rows.get(key);
      if (row == null) {
        row = load(connection, key);
        rows.put(key, row);
      }
      if (envelope.sequenceNr() <= row.seqNr) continue; // applied before
      try {
        row.state = TaskTransitions.apply(row.state, event);
      } catch (RuntimeException e) {
        // The entity could not have recovered from such a history either; one bad event must not
        // stop every listing of every tenant, so it is logged loudly and passed over.
        log.error(
            "read model: event {} #{} of {} does not apply to its state {}; skipped",
            event.getClass().getSimpleName(),
            envelope.sequenceNr(),
            envelope.persistenceId(),
            row.state.getClass().getSimpleName(),
            e);
      }
      row.seqNr = envelope.sequenceNr();
      row.updatedAt = event.at() != null ? event.at().toEpochMilli() : System.currentTimeMillis();
      row.dirty = true;
    }
    for (Row row : rows.values()) {
      if (row.dirty) store(connection, row);
    }
  }

  private Row load(Connection connection, RowKey key) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(SELECT)) {
      ps.setString(1, key.tenant());
      ps.setString(2, key.id());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return new Row(key, false, 0L, new TaskState.EmptyTask());
        return new Row(key, true, rs.getLong(1), codec.readState(rs.getString(2), rs.getString(3)));
      }
    }
  }

  private void store(Connection connection, Row row) throws SQLException {
    if (!(row.state instanceof CreatedTask task)) return; // nothing to list yet
    TaskView view = TaskViews.of(task, null);
    var data = task.core().data();
    if (row.exists) {
      try (PreparedStatement ps = connection.prepareStatement(UPDATE)) {
        bind(ps, row, task, view, data);
        if (ps.executeUpdate() > 0) return;
      }
    }
    try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
      bind(ps, row, task, view, data);
      ps.executeUpdate();
    }
  }

  private void bind(
      PreparedStatement ps, Row row, CreatedTask task, TaskView view, io.taskforce.internal.task.TaskData data)
      throws SQLException {
    ps.setString(1, data.sessionId());
    ps.setString(2, task.status().wire());
    ps.setInt(3, view.priority());
    ps.setLong(4, data.createdAt().toEpochMilli());
    ps.setLong(5, row.updatedAt);
    ps.setLong(6, row.seqNr);
    ps.setString(7, StateCodec.typeOf(task));
    ps.setString(8, codec.write(task));
    ps.setString(9, codec.write(view));
    ps.setString(10, row.key.tenant());
    ps.setString(11, row.key.id());
  }

  private static String className(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
