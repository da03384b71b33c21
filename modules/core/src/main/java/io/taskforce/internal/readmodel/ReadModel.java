package io.taskforce.internal.readmodel;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.Page;
import io.taskforce.api.SessionView;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.api.TenantTask;
import io.taskforce.api.UnavailableException;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.task.TaskEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read model behind the cross-session listings: a tenant's sessions, a session's tasks and all
 * of a tenant's tasks, newest first, by status, in pages. Two projections keep it, one over the
 * task events (tag {@value #TASK_TAG}) and one over the session events (tag {@value
 * #SESSION_TAG}), each running once in the cluster (a sharded daemon process). Listings read its
 * tables only; they may lag the entities by about a second.
 *
 * <p>It has a small connection pool of its own ({@code taskforce.read-model.pool-size}
 * connections to {@code taskforce.persistence.db}), and every JDBC call, the projections' and the
 * listings', runs on the projection's blocking dispatcher ({@code
 * pekko.projection.jdbc.use-dispatcher}), never on the default dispatcher. Every query of a
 * tenant's listing is scoped by tenant; only the operators' views ({@link #listAllTasks}, {@link
 * #countTasksByStatus}) and {@link #checkReachable} look across tenants.
 */
public final class ReadModel implements AutoCloseable {
  /** The tag of every task event; the task projection reads it. */
  public static final String TASK_TAG = io.taskforce.internal.task.TaskEntity.TAG;
  /** The tag of every session event; the session projection reads it. */
  public static final String SESSION_TAG = io.taskforce.internal.session.SessionEntity.TAG;

  static final String TASK_PROJECTION = "taskforce-read-model-tasks";
  static final String SESSION_PROJECTION = "taskforce-read-model-sessions";

  private static final Logger log = LoggerFactory.getLogger(ReadModel.class);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  private static final int GROUP_ENVELOPES = 200;
  private static final Duration GROUP_WITHIN = Duration.ofMillis(50);
  /** The cursor kind of {@link #listAllTasks}: its sort key is (createdAt, taskId|tenant). */
  private static final char ALL_TASKS = 'a';

  private final ActorSystem<?> system;
  private final HikariDataSource dataSource;
  private final Executor blocking;
  private final String offsetTable;
  private final StateCodec codec;
  private final int maxPage;
  private final AtomicBoolean stopped = new AtomicBoolean();
  /** The reachability check in flight, shared by the checks that overlap it. */
  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Done>> pinging =
      new java.util.concurrent.atomic.AtomicReference<>();

  private ReadModel(ActorSystem<?> system, HikariDataSource dataSource, Executor blocking, int maxPage) {
    this.system = system;
    this.dataSource = dataSource;
    this.blocking = blocking;
    this.offsetTable = system.settings().config().getString("pekko.projection.jdbc.offset-store.table");
    this.codec = StateCodec.of(system);
    this.maxPage = maxPage;
  }

  /**
   * Opens the read model's pool, creates its tables and the projection's offset tables if they
   * are missing, and starts both projections (once each in the cluster). The system must be a
   * cluster system ({@code pekko.actor.provider = cluster}); the projections run once it has
   * joined a cluster. The stage completes when the tables exist; the projections catch up after.
   */
  public static CompletionStage<ReadModel> start(ActorSystem<?> system) {
    Config config = system.settings().config();
    String provider = config.getString("pekko.actor.provider");
    if (!"cluster".equals(provider)) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "the Taskforce read model needs a cluster system (pekko.actor.provider = cluster), not '"
                  + provider
                  + "'"));
    }
    Executor blocking;
    int maxPage;
    try {
      blocking =
          system.dispatchers()
              .lookup(DispatcherSelector.fromConfig(config.getString("pekko.projection.jdbc.use-dispatcher")));
      maxPage = Math.max(1, Math.min(TaskFilter.MAX_LIMIT, config.getInt("taskforce.read-model.max-page")));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.supplyAsync(
            () -> {
              HikariDataSource ds = createPool(config);
              try {
                ReadModelSchema.createIfMissing(ds);
              } catch (Exception e) {
                ds.close();
                throw new CompletionException(
                    new IllegalStateException("read model: cannot create its tables: " + e.getMessage(), e));
              }
              return new ReadModel(system, ds, blocking, maxPage);
            },
            blocking)
        .thenCompose(
            readModel ->
                createProjectionTables(readModel, 3)
                    .handle(
                        (done, failure) -> {
                          if (failure != null) {
                            readModel.stop();
                            throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
                          }
                          readModel.registerShutdown();
                          readModel.runProjections();
                          readModel.schedulePruning(config.getDuration("taskforce.read-model.prune-tags-interval"));
                          return readModel;
                        }));
  }

  private static CompletionStage<Done> createProjectionTables(ReadModel readModel, int attemptsLeft) {
    return JdbcProjection.createTablesIfNotExists(readModel::newSession, readModel.system)
        .exceptionallyCompose(
            failure ->
                attemptsLeft > 1
                    ? createProjectionTables(readModel, attemptsLeft - 1) // racing nodes: try again
                    : CompletableFuture.failedFuture(failure));
  }

  private static HikariDataSource createPool(Config config) {
    Config db = config.getConfig("taskforce.persistence.db");
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("taskforce-read-model");
    hc.setJdbcUrl(db.getString("url"));
    hc.setUsername(db.getString("user"));
    hc.setPassword(db.getString("password"));
    if (db.hasPath("driver") && !db.getString("driver").isBlank()) hc.setDriverClassName(db.getString("driver"));
    int size = Math.max(1, config.getInt("taskforce.read-model.pool-size"));
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(Math.min(2, size));
    hc.setConnectionTimeout(5_000);
    hc.setValidationTimeout(3_000);
    hc.setAutoCommit(true);
    return new HikariDataSource(hc);
  }

  ReadModelJdbcSession newSession() {
    return new ReadModelJdbcSession(dataSource);
  }

  private void registerShutdown() {
    // After sharding has stopped the projections (cluster-sharding-shutdown-region comes earlier).
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "taskforce-read-model-close",
            () -> {
              stop();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
  }

  private void runProjections() {
    ShardedDaemonProcessSettings settings = ShardedDaemonProcessSettings.create(system);
    String queryPluginId = system.settings().config().getString("taskforce.persistence.query-plugin-id");
    ShardedDaemonProcess daemons = ShardedDaemonProcess.get(system);
    daemons.init(
        ProjectionBehavior.Command.class,
        TASK_PROJECTION,
        1,
        i -> taskProjection(queryPluginId),
        settings,
        Optional.of(ProjectionBehavior.stopMessage()));
    daemons.init(
        ProjectionBehavior.Command.class,
        SESSION_PROJECTION,
        1,
        i -> sessionProjection(queryPluginId),
        settings,
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  /**
   * Deletes the journal's tag rows that their projection (one per tag) has handled, on every node (a delete
   * is idempotent). The tag rows are only the projections' index into the journal, and the JDBC
   * read journal's events-by-tag query scans a tag's rows whatever the offset on H2: without
   * pruning each poll costs time in proportion to every event ever written, so the read model
   * falls behind as the journal grows. The events themselves stay.
   */
  private void schedulePruning(Duration interval) {
    if (interval.isZero() || interval.isNegative()) return;
    system.scheduler().scheduleWithFixedDelay(interval, interval, () -> blocking.execute(() -> {
      if (stopped.get()) return;
      try (Connection connection = dataSource.getConnection()) {
        pruneTags(connection, TASK_PROJECTION, TASK_TAG);
        pruneTags(connection, SESSION_PROJECTION, SESSION_TAG);
      } catch (SQLException | RuntimeException e) {
        log.debug("read model: pruning the handled tag rows failed this time: {}", e.getMessage());
      }
    }), system.executionContext());
  }

  private void pruneTags(Connection connection, String projection, String tag) throws SQLException {
    long handled = projectedUpTo(connection, projection, tag);
    if (handled <= 0 || handled == Long.MAX_VALUE) return;
    try (PreparedStatement ps = connection.prepareStatement(
        "DELETE FROM \"event_tag\" WHERE \"tag\" = ? AND \"event_id\" <= ?")) {
      ps.setString(1, tag);
      ps.setLong(2, handled);
      ps.executeUpdate();
    }
  }

  private Behavior<ProjectionBehavior.Command> taskProjection(String queryPluginId) {
    SourceProvider<Offset, EventEnvelope<TaskEvent>> source =
        EventSourcedProvider.eventsByTag(system, queryPluginId, TASK_TAG);
    Supplier<ReadModelJdbcSession> sessions = this::newSession;
    return ProjectionBehavior.create(
        JdbcProjection.groupedWithin(
                ProjectionId.of(TASK_PROJECTION, TASK_TAG),
                source,
                sessions,
                () -> new TaskProjectionHandler(codec),
                system)
            .withGroup(GROUP_ENVELOPES, GROUP_WITHIN)
            .withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
  }

  private Behavior<ProjectionBehavior.Command> sessionProjection(String queryPluginId) {
    SourceProvider<Offset, EventEnvelope<SessionEvent>> source =
        EventSourcedProvider.eventsByTag(system, queryPluginId, SESSION_TAG);
    Supplier<ReadModelJdbcSession> sessions = this::newSession;
    return ProjectionBehavior.create(
        JdbcProjection.groupedWithin(
                ProjectionId.of(SESSION_PROJECTION, SESSION_TAG),
                source,
                sessions,
                () -> new SessionProjectionHandler(codec),
                system)
            .withGroup(GROUP_ENVELOPES, GROUP_WITHIN)
            .withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
  }

  /** A task by its tenant and id: a row of the read model's task table. */
  public record TaskKey(String tenant, String taskId) {}

  /**
   * The pending tasks of every tenant, in (tenant, id) order after {@code after} (from the first
   * when null), at most {@code limit}. First it waits up to {@code catchUp} (zero: not at all) for
   * the task projection to reach what the journal held when it was asked, so a task stored before
   * that is listed if it is still pending. For {@link io.taskforce.internal.PendingTaskSweep}.
   */
  public CompletionStage<List<TaskKey>> pendingTasks(TaskKey after, int limit, Duration catchUp) {
    String sql = "SELECT tenant, task_id FROM tf_rm_task WHERE status = ?"
        + (after == null ? "" : " AND (tenant > ? OR (tenant = ? AND task_id > ?))")
        + " ORDER BY tenant, task_id LIMIT ?";
    List<Object> params = new ArrayList<>();
    params.add(TaskStatus.PENDING.wire());
    if (after != null) {
      params.add(after.tenant());
      params.add(after.tenant());
      params.add(after.taskId());
    }
    params.add(limit);
    return onDatabase(connection -> {
      if (!catchUp.isZero()) catchUp(connection, TASK_PROJECTION, TASK_TAG, catchUp);
      List<TaskKey> keys = new ArrayList<>();
      try (PreparedStatement ps = prepare(connection, sql, params); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) keys.add(new TaskKey(rs.getString(1), rs.getString(2)));
      }
      return keys;
    });
  }

  /**
   * A page of the tenant's tasks, newest first ({@code createdAt} descending, then id
   * descending): of one session when {@code sessionIdOrNull} is given, else across its sessions;
   * of the filter's statuses (all when empty); at most the filter's limit (and at most {@code
   * taskforce.read-model.max-page}); after the filter's cursor. A malformed cursor fails the stage
   * with {@link InvalidRequestException} (field {@code cursor}); a database that cannot be read,
   * with {@link UnavailableException}.
   */
  public CompletionStage<Page<TaskView>> listTasks(String tenant, String sessionIdOrNull, TaskFilter filter) {
    TaskFilter f = filter == null ? TaskFilter.all() : filter;
    final Cursor after;
    try {
      requireTenant(tenant);
      after = Cursor.decode(Cursor.TASKS, f.cursor());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    int limit = Math.min(f.limit(), maxPage);
    StringBuilder sql = new StringBuilder("SELECT created_at, task_id, view_json FROM tf_rm_task WHERE tenant = ?");
    List<Object> params = new ArrayList<>();
    params.add(tenant);
    if (sessionIdOrNull != null) {
      sql.append(" AND session_id = ?");
      params.add(sessionIdOrNull);
    }
    if (!f.statuses().isEmpty()) {
      List<String> words = f.statuses().stream().map(TaskStatus::wire).sorted().toList();
      sql.append(" AND status IN (").append(placeholders(words.size())).append(')');
      params.addAll(words);
    }
    if (after != null) {
      sql.append(" AND (created_at < ? OR (created_at = ? AND task_id < ?))");
      params.add(after.createdAt());
      params.add(after.createdAt());
      params.add(after.id());
    }
    sql.append(" ORDER BY created_at DESC, task_id DESC LIMIT ?");
    params.add(limit + 1);
    String query = sql.toString();
    return onDatabase(
        connection -> {
          catchUp(connection, TASK_PROJECTION, TASK_TAG);
          List<TaskView> items = new ArrayList<>();
          Cursor last = null;
          boolean more = false;
          try (PreparedStatement ps = prepare(connection, query, params);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              if (items.size() == limit) {
                more = true;
                break;
              }
              last = new Cursor(rs.getLong(1), rs.getString(2));
              items.add(codec.readView(rs.getString(3)));
            }
          }
          return new Page<>(List.copyOf(items), more ? last.encode(Cursor.TASKS) : null);
        });
  }

  /**
   * For operators: a page of the tasks of every tenant, newest first ({@code createdAt}
   * descending, then task id descending, then tenant descending, so that two tenants' tasks of the
   * same id and instant keep a stable order), of the filter's statuses (all when empty), at most
   * the filter's limit (and {@code taskforce.read-model.max-page}), after the filter's cursor (one
   * of this listing's own; a tenant listing's cursor is refused). Not for tenants: the items name
   * their tenant.
   */
  public CompletionStage<Page<TenantTask>> listAllTasks(TaskFilter filter) {
    TaskFilter f = filter == null ? TaskFilter.all() : filter;
    final Cursor after;
    final String afterTaskId;
    final String afterTenant;
    try {
      after = Cursor.decode(ALL_TASKS, f.cursor());
      if (after != null) {
        int bar = after.id().indexOf('|');
        if (bar <= 0 || bar == after.id().length() - 1) {
          throw new InvalidRequestException("cursor", "cursor is malformed; use the nextCursor of a previous page");
        }
        afterTaskId = after.id().substring(0, bar);
        afterTenant = after.id().substring(bar + 1);
      } else {
        afterTaskId = null;
        afterTenant = null;
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    int limit = Math.min(f.limit(), maxPage);
    StringBuilder sql = new StringBuilder("SELECT created_at, task_id, tenant, view_json FROM tf_rm_task WHERE 1 = 1");
    List<Object> params = new ArrayList<>();
    if (!f.statuses().isEmpty()) {
      List<String> words = f.statuses().stream().map(TaskStatus::wire).sorted().toList();
      sql.append(" AND status IN (").append(placeholders(words.size())).append(')');
      params.addAll(words);
    }
    if (after != null) {
      sql.append(" AND (created_at < ? OR (created_at = ? AND (task_id < ? OR (task_id = ? AND tenant < ?))))");
      params.add(after.createdAt());
      params.add(after.createdAt());
      params.add(afterTaskId);
      params.add(afterTaskId);
      params.add(afterTenant);
    }
    sql.append(" ORDER BY created_at DESC, task_id DESC, tenant DESC LIMIT ?");
    params.add(limit + 1);
    String query = sql.toString();
    return onDatabase(
        connection -> {
          catchUp(connection, TASK_PROJECTION, TASK_TAG);
          List<TenantTask> items = new ArrayList<>();
          Cursor last = null;
          boolean more = false;
          try (PreparedStatement ps = prepare(connection, query, params);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              if (items.size() == limit) {
                more = true;
                break;
              }
              last = new Cursor(rs.getLong(1), rs.getString(2) + "|" + rs.getString(3));
              items.add(new TenantTask(rs.getString(3), codec.readView(rs.getString(4))));
            }
          }
          return new Page<>(List.copyOf(items), more ? last.encode(ALL_TASKS) : null);
        });
  }

  /**
   * How many tasks of every tenant the read model holds, by status (every status present, zeros
   * included). One grouped query; it does not wait for the projection to catch up.
   */
  public CompletionStage<Map<TaskStatus, Long>> countTasksByStatus() {
    return onDatabase(
        connection -> {
          Map<TaskStatus, Long> counts = new java.util.EnumMap<>(TaskStatus.class);
          for (TaskStatus s : TaskStatus.values()) counts.put(s, 0L);
          try (PreparedStatement ps = connection.prepareStatement(
                  "SELECT status, COUNT(*) FROM tf_rm_task GROUP BY status");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              for (TaskStatus s : TaskStatus.values()) {
                if (s.wire().equals(rs.getString(1))) counts.put(s, rs.getLong(2));
              }
            }
          }
          return Collections.unmodifiableMap(counts);
        });
  }

  /**
   * Whether the database (the journal's: the read model's pool connects to {@code
   * taskforce.persistence.db}) answers a trivial query within {@code timeout}. Completes normally
   * when it does; fails with {@link UnavailableException} saying why when it does not. Checks that
   * overlap share one query, so a database that hangs ties up one blocking thread at most.
   */
  public CompletionStage<Done> checkReachable(Duration timeout) {
    CompletableFuture<Done> check = pinging.get();
    if (check == null) {
      CompletableFuture<Done> started = new CompletableFuture<>();
      if (pinging.compareAndSet(null, started)) {
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        onDatabase(
                connection -> {
                  try (Statement statement = connection.createStatement()) {
                    statement.setQueryTimeout(seconds);
                    try (ResultSet rs = statement.executeQuery("SELECT 1")) {
                      if (!rs.next()) throw new SQLException("SELECT 1 returned no row");
                    }
                  }
                  return Done.getInstance();
                })
            .whenComplete(
                (done, failure) -> {
                  pinging.set(null);
                  if (failure == null) {
                    started.complete(done);
                    return;
                  }
                  Throwable cause = unwrap(failure);
                  if (cause instanceof UnavailableException && cause.getCause() instanceof SQLException sql) {
                    cause = new UnavailableException("the database cannot be reached: " + sql.getMessage(), RETRY_AFTER, sql);
                  }
                  started.completeExceptionally(cause);
                });
        check = started;
      } else {
        check = pinging.get();
        if (check == null) return checkReachable(timeout);
      }
    }
    CompletableFuture<Done> answer = new CompletableFuture<>();
    check.whenComplete(
        (done, failure) -> {
          if (failure == null) answer.complete(done);
          else answer.completeExceptionally(failure);
        });
    long millis = timeout.toMillis();
    return answer.completeOnTimeout(null, millis, java.util.concurrent.TimeUnit.MILLISECONDS)
        .thenApply(
            done -> {
              if (done == null) {
                throw new UnavailableException(
                    "the database did not answer within " + millis + " ms", RETRY_AFTER, null);
              }
              return done;
            });
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }

  /**
   * A page of the tenant's sessions, newest first, after {@code cursor} (null for the first page).
   * {@code limit} of 0 or less means {@link TaskFilter#DEFAULT_LIMIT}; above {@link
   * TaskFilter#MAX_LIMIT} it is refused. Each session's {@code counts} has an entry for every task
   * status, zeros included, counted in one grouped query over the task rows of the page's sessions.
   */
  public CompletionStage<Page<SessionView>> listSessions(String tenant, int limit, String cursor) {
    final Cursor after;
    try {
      requireTenant(tenant);
      if (limit > TaskFilter.MAX_LIMIT) {
        throw new InvalidRequestException("limit", "limit must be within 1.." + TaskFilter.MAX_LIMIT);
      }
      after = Cursor.decode(Cursor.SESSIONS, cursor);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    int pageSize = Math.min(limit <= 0 ? TaskFilter.DEFAULT_LIMIT : limit, maxPage);
    StringBuilder sql =
        new StringBuilder(
            "SELECT created_at, session_id, title, status, created_at_iso, max_concurrent_tasks, metadata,"
                + " last_event_seq, acked_event_seq FROM tf_rm_session WHERE tenant = ?");
    List<Object> params = new ArrayList<>();
    params.add(tenant);
    if (after != null) {
      sql.append(" AND (created_at < ? OR (created_at = ? AND session_id < ?))");
      params.add(after.createdAt());
      params.add(after.createdAt());
      params.add(after.id());
    }
    sql.append(" ORDER BY created_at DESC, session_id DESC LIMIT ?");
    params.add(pageSize + 1);
    String query = sql.toString();
    return onDatabase(
        connection -> {
          catchUp(connection, SESSION_PROJECTION, SESSION_TAG);
          catchUp(connection, TASK_PROJECTION, TASK_TAG); // the counts come from the task rows
          record SessionRow(
              String id,
              String title,
              String status,
              String createdAtIso,
              int maxConcurrentTasks,
              String metadata,
              long lastEventSeq,
              long ackedEventSeq) {}
          List<SessionRow> rows = new ArrayList<>();
          Cursor last = null;
          boolean more = false;
          try (PreparedStatement ps = prepare(connection, query, params);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              if (rows.size() == pageSize) {
                more = true;
                break;
              }
              last = new Cursor(rs.getLong(1), rs.getString(2));
              rows.add(
                  new SessionRow(
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getInt(6),
                      rs.getString(7),
                      rs.getLong(8),
                      rs.getLong(9)));
            }
          }
          Map<String, Map<String, Long>> counts =
              countTasks(connection, tenant, rows.stream().map(SessionRow::id).toList());
          List<SessionView> items = new ArrayList<>(rows.size());
          for (SessionRow r : rows) {
            items.add(
                new SessionView(
                    r.id(),
                    r.title(),
                    r.status(),
                    Instant.parse(r.createdAtIso()),
                    r.maxConcurrentTasks(),
                    counts.getOrDefault(r.id(), zeroCounts()),
                    r.lastEventSeq(),
                    r.ackedEventSeq(),
                    codec.readTree(r.metadata())));
          }
          return new Page<>(List.copyOf(items), more ? last.encode(Cursor.SESSIONS) : null);
        });
  }

  /** Task counts by status of the given sessions of one tenant, in one grouped query. */
  private static Map<String, Map<String, Long>> countTasks(Connection connection, String tenant, List<String> sessionIds)
      throws SQLException {
    if (sessionIds.isEmpty()) return Map.of();
    String sql =
        "SELECT session_id, status, COUNT(*) FROM tf_rm_task WHERE tenant = ? AND session_id IN ("
            + placeholders(sessionIds.size())
            + ") GROUP BY session_id, status";
    List<Object> params = new ArrayList<>(sessionIds.size() + 1);
    params.add(tenant);
    params.addAll(sessionIds);
    Map<String, Map<String, Long>> counts = new HashMap<>();
    try (PreparedStatement ps = prepare(connection, sql, params);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Map<String, Long> byStatus = counts.computeIfAbsent(rs.getString(1), id -> zeroCounts());
        String status = rs.getString(2);
        if (byStatus.containsKey(status)) byStatus.put(status, rs.getLong(3));
      }
    }
    Map<String, Map<String, Long>> frozen = new HashMap<>();
    counts.forEach((id, byStatus) -> frozen.put(id, Collections.unmodifiableMap(byStatus)));
    return frozen;
  }

  /** One entry per task status, in the API's order, all zero. */
  private static Map<String, Long> zeroCounts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (TaskStatus s : TaskStatus.values()) counts.put(s.wire(), 0L);
    return counts;
  }

  /**
   * Closes the read model's pool. Meant for shutdown (it also runs on CoordinatedShutdown, after
   * the cluster has stopped the projections); listings fail afterwards. Idempotent.
   */
  public void stop() {
    if (stopped.compareAndSet(false, true)) {
      dataSource.close();
      log.debug("read model pool closed");
    }
  }

  @Override
  public void close() {
    stop();
  }

  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Query<T> {
    T run(Connection connection) throws SQLException;
  }

  private <T> CompletionStage<T> onDatabase(Query<T> query) {
    return CompletableFuture.supplyAsync(
        () -> {
          if (stopped.get()) {
            throw new CompletionException(new UnavailableException("the read model is stopped", RETRY_AFTER, null));
          }
          try (Connection connection = dataSource.getConnection()) {
            return query.run(connection);
          } catch (SQLException e) {
            throw new CompletionException(
                new UnavailableException("the read model cannot be read now: " + e.getMessage(), RETRY_AFTER, e));
          }
        },
        blocking);
  }

  private static PreparedStatement prepare(Connection connection, String sql, List<Object> params)
      throws SQLException {
    PreparedStatement ps = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < params.size(); i++) {
        Object p = params.get(i);
        if (p instanceof String s) ps.setString(i + 1, s);
        else if (p instanceof Long l) ps.setLong(i + 1, l);
        else if (p instanceof Integer n) ps.setInt(i + 1, n);
        else throw new IllegalArgumentException("unexpected parameter " + p);
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  /** How long a listing waits for the projection to reach what was written before it was asked. */
  static final java.time.Duration CATCH_UP = java.time.Duration.ofMillis(1500);

  /**
   * Read your writes, within reason: waits (at most {@link #CATCH_UP}, on this blocking thread)
   * until the projection has handled every event of its tag that the journal held when the
   * listing was asked, so a list right after a dispatch shows the task. Past the deadline the
   * listing answers with what the read model has.
   */
  private void catchUp(Connection connection, String projection, String tag) throws SQLException {
    catchUp(connection, projection, tag, CATCH_UP);
  }

  private void catchUp(Connection connection, String projection, String tag, java.time.Duration wait)
      throws SQLException {
    long target;
    try (PreparedStatement ps = connection.prepareStatement(
            "SELECT MAX(\"event_id\") FROM \"event_tag\" WHERE \"tag\" = ?")) {
      ps.setString(1, tag);
      try (ResultSet rs = ps.executeQuery()) {
        target = rs.next() ? rs.getLong(1) : 0;
      }
    }
    if (target <= 0) return;
    long deadline = System.nanoTime() + wait.toNanos();
    do {
      if (projectedUpTo(connection, projection, tag) >= target) return;
      java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(20).toNanos());
    } while (System.nanoTime() < deadline);
  }

  /**
   * The projection's stored offset. Its table is tiny (a row per projection); its column names are
   * cased differently by each dialect, so they are matched by name here rather than written in SQL.
   */
  private long projectedUpTo(Connection connection, String projection, String tag) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT * FROM \"" + offsetTable + "\"");
        ResultSet rs = ps.executeQuery()) {
      var meta = rs.getMetaData();
      int name = 0, key = 0, offset = 0;
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        String column = meta.getColumnLabel(i);
        if (column.equalsIgnoreCase("projection_name")) name = i;
        if (column.equalsIgnoreCase("projection_key")) key = i;
        if (column.equalsIgnoreCase("current_offset")) offset = i;
      }
      if (name == 0 || key == 0 || offset == 0) return Long.MAX_VALUE; // unknown layout: do not wait
      while (rs.next()) {
        if (projection.equals(rs.getString(name)) && tag.equals(rs.getString(key))) {
          return Long.parseLong(rs.getString(offset).trim());
        }
      }
      return 0;
    }
  }

  private static String placeholders(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private static void requireTenant(String tenant) {
    if (tenant == null || tenant.isEmpty()) throw new IllegalArgumentException("tenant is required");
  }
}
