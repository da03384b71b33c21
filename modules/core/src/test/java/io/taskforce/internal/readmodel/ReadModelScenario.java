package io.taskforce.internal.readmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.api.ErrorType;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.Page;
import io.taskforce.api.Progress;
import io.taskforce.api.SessionView;
import io.taskforce.api.TaskError;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.session.SessionInfo;
import io.taskforce.internal.task.OutputTail;
import io.taskforce.internal.task.ReportKind;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskEvent;
import io.taskforce.internal.task.TaskReport;
import io.taskforce.internal.task.TaskState;
import io.taskforce.internal.task.TaskState.CreatedTask;
import io.taskforce.internal.task.TaskTransitions;
import io.taskforce.internal.task.TaskViews;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The read model against a real journal: a cluster system of one node, events written by a
 * test-only event-sourced entity under Taskforce's journal and tags, the projections running as
 * sharded daemon processes, and the listings asserted once they caught up (polled, never slept).
 * Subclasses say which database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReadModelScenario {
  static final Duration CATCH_UP = Duration.ofSeconds(20);
  static final Duration CALL = Duration.ofSeconds(10);
  static final String A = "tenantA";
  static final String B = "tenantB";
  /** With microseconds, so exact instants are seen to survive the rows. */
  static final Instant T0 = Instant.parse("2026-11-25T06:30:00.123456Z");

  private static final String COMMON =
      String.join(
          "\n",
          "pekko.actor.provider = cluster",
          "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"",
          "pekko.remote.artery.canonical.port = 0",
          "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
          "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
          "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
          "pekko.loglevel = INFO",
          "pekko.coordinated-shutdown.exit-jvm = off",
          // Faster polling than the defaults, to keep the test short.
          "taskforce.persistence.query.refresh-interval = 100ms",
          "taskforce.persistence.query.journal-sequence-retrieval.query-delay = 100ms");

  ActorTestKit testKit;
  ActorSystem<?> system;
  ReadModel readModel;
  StateCodec codec;
  private TestProbe<Done> written;
  private final Map<String, ActorRef<EventWriter.Write>> writers = new HashMap<>();
  /** What the read model must show: every task's state, folded here from the same events. */
  private final Map<RowKey, TaskState> expected = new LinkedHashMap<>();

  /** The database part of the configuration (data dir or PostgreSQL). */
  abstract Config databaseConfig() throws Exception;

  /** Called after the system is gone. */
  void cleanUpDatabase() throws Exception {}

  // ---------------------------------------------------------------------------------------------

  @BeforeAll
  void startAndCatchUp() throws Exception {
    quietLogging();
    Config config = io.taskforce.TaskforceConfig.load(ConfigFactory.parseString(COMMON).withFallback(databaseConfig()));
    testKit = ActorTestKit.create(getClass().getSimpleName(), config);
    system = testKit.system();
    // The journal's shared database must follow taskforce.persistence.db.
    assertEquals(
        config.getString("taskforce.persistence.db.url"),
        config.getString("pekko-persistence-jdbc.shared-databases.taskforce.db.url"));
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    // The argument is the journal plugin's config path; its use-shared-db names the database.
    SchemaUtils.createIfNotExists("taskforce.persistence.journal", system)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    codec = StateCodec.of(system);
    written = testKit.createTestProbe();

    // Sessions first, then the first event of every task; the rest after the read model started.
    session(A, "s1", "first", T0, JsonNodeFactory.instance.objectNode().put("k", "v"));
    session(A, "s2", "second", T0.plusSeconds(1), null);
    session(A, "s3", "third", T0.plusSeconds(2), null);
    session(B, "s1", "B's first", T0.plusSeconds(5), null);
    List<TaskPlan> plans =
        List.of(
            new TaskPlan(A, "s1", "a1", T0.plusSeconds(10), TaskStatus.PENDING),
            new TaskPlan(A, "s1", "a2", T0.plusSeconds(11), TaskStatus.RUNNING),
            new TaskPlan(A, "s1", "a3", T0.plusSeconds(12), TaskStatus.COMPLETED),
            new TaskPlan(A, "s1", "a4", T0.plusSeconds(13), TaskStatus.PAUSED),
            new TaskPlan(A, "s1", "a5", T0.plusSeconds(14), TaskStatus.FAILED),
            new TaskPlan(A, "s2", "a6", T0.plusSeconds(15), TaskStatus.INPUT_REQUIRED),
            new TaskPlan(A, "s2", "a7", T0.plusSeconds(16), TaskStatus.CANCELLED),
            // Three tasks in one millisecond (one of them 0.5 ms later): ordered by id, descending.
            new TaskPlan(A, "s2", "a8", T0.plusSeconds(17), TaskStatus.PENDING),
            new TaskPlan(A, "s2", "a9", T0.plusSeconds(17), TaskStatus.PENDING),
            new TaskPlan(A, "s2", "a10", T0.plusSeconds(17).plusNanos(500_000), TaskStatus.PENDING),
            // Another tenant's task and session of the same ids, newer than all of tenant A's.
            new TaskPlan(B, "s1", "a1", T0.plusSeconds(20), TaskStatus.COMPLETED));
    Map<TaskPlan, List<TaskEvent>> lifecycles = new LinkedHashMap<>();
    for (TaskPlan plan : plans) {
      List<TaskEvent> events = lifecycle(plan);
      lifecycles.put(plan, events);
      writeTask(plan.tenant(), plan.taskId(), events.subList(0, 1));
    }

    readModel = ReadModel.start(system).toCompletableFuture().get(30, TimeUnit.SECONDS);

    for (var e : lifecycles.entrySet()) {
      List<TaskEvent> events = e.getValue();
      if (events.size() > 1) writeTask(e.getKey().tenant(), e.getKey().taskId(), events.subList(1, events.size()));
    }
    writeSession(A, "s1", reportApplied("a1", 1), reportApplied("a2", 2), reportApplied("a3", 3),
        new SessionEvent.FeedAcked(2, T0.plusSeconds(30)));
    writeSession(A, "s2", reportApplied("a6", 0), new SessionEvent.TaskForgotten("a7", T0.plusSeconds(31)));
    writeSession(A, "s3", new SessionEvent.SessionClosed(T0.plusSeconds(32)));

    written.awaitAssert(
        CATCH_UP,
        () -> {
          assertEquals(expectedViews(A, null, Set.of()), list(A, null, TaskFilter.all()).items());
          assertEquals(expectedViews(B, null, Set.of()), list(B, null, TaskFilter.all()).items());
          Page<SessionView> sessions = sessions(A, 0, null);
          assertEquals(List.of("s3", "s2", "s1"), sessions.items().stream().map(SessionView::id).toList());
          assertEquals("closed", sessions.items().get(0).status());
          assertEquals(3, sessions.items().get(2).lastEventSeq());
          return null;
        });
  }

  @AfterAll
  void stopAll() throws Exception {
    try {
      if (testKit != null) testKit.shutdownTestKit();
    } finally {
      cleanUpDatabase();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void listsTasksNewestFirstWithTheirViews() throws Exception {
    Page<TaskView> page = list(A, null, TaskFilter.all());
    assertEquals(
        List.of("a9", "a8", "a10", "a7", "a6", "a5", "a4", "a3", "a2", "a1"), ids(page));
    assertNull(page.nextCursor());
    assertEquals(expectedViews(A, null, Set.of()), page.items());
    TaskView completed = page.items().get(7);
    assertEquals(TaskStatus.COMPLETED, completed.status());
    assertEquals(0, completed.result().get("exitCode").asInt());
    assertEquals(T0.plusSeconds(12), completed.createdAt()); // exact, microseconds included
    TaskView failed = page.items().get(5);
    assertEquals(ErrorType.EXIT, failed.error().type());
    assertEquals("which branch?", page.items().get(4).question());
  }

  @Test
  void filtersByStatus() throws Exception {
    assertEquals(List.of("a4", "a2"), ids(list(A, null, filter(50, null, TaskStatus.RUNNING, TaskStatus.PAUSED))));
    assertEquals(List.of("a9", "a8", "a10", "a1"), ids(list(A, null, filter(50, null, TaskStatus.PENDING))));
    assertEquals(List.of("a7"), ids(list(A, null, filter(50, null, TaskStatus.CANCELLED))));
    assertEquals(
        expectedViews(A, null, Set.of(TaskStatus.FAILED, TaskStatus.INPUT_REQUIRED, TaskStatus.COMPLETED)),
        list(A, null, filter(50, null, TaskStatus.FAILED, TaskStatus.INPUT_REQUIRED, TaskStatus.COMPLETED))
            .items());
    assertEquals(List.of(), ids(list(B, null, filter(50, null, TaskStatus.PENDING))));
  }

  @Test
  void pagesThroughTasksWithCursors() throws Exception {
    List<TaskView> all = expectedViews(A, null, Set.of());
    for (int limit : new int[] {1, 3, 4, 5, 10, 11}) {
      List<TaskView> seen = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        Page<TaskView> page = list(A, null, new TaskFilter(Set.of(), limit, cursor));
        pages++;
        assertTrue(page.items().size() <= limit);
        seen.addAll(page.items());
        cursor = page.nextCursor();
        if (cursor == null) assertTrue(page.items().size() > 0 || pages == 1);
      } while (cursor != null && pages < 20);
      assertEquals(all, seen, "limit " + limit);
      assertEquals((all.size() + limit - 1) / limit, pages, "pages at limit " + limit);
    }
    // Paging a filtered listing, and a session's.
    Page<TaskView> first = list(A, null, filter(2, null, TaskStatus.PENDING));
    assertEquals(List.of("a9", "a8"), ids(first));
    assertNotNull(first.nextCursor());
    Page<TaskView> second = list(A, null, filter(2, first.nextCursor(), TaskStatus.PENDING));
    assertEquals(List.of("a10", "a1"), ids(second));
    assertNull(second.nextCursor());
    Page<TaskView> s1 = list(A, "s1", new TaskFilter(Set.of(), 3, null));
    assertEquals(List.of("a5", "a4", "a3"), ids(s1));
    assertEquals(List.of("a2", "a1"), ids(list(A, "s1", new TaskFilter(Set.of(), 3, s1.nextCursor()))));
  }

  @Test
  void listsOneSessionsTasks() throws Exception {
    assertEquals(expectedViews(A, "s1", Set.of()), list(A, "s1", TaskFilter.all()).items());
    assertEquals(List.of("a9", "a8", "a10", "a7", "a6"), ids(list(A, "s2", TaskFilter.all())));
    assertEquals(List.of("a6"), ids(list(A, "s2", filter(50, null, TaskStatus.INPUT_REQUIRED))));
    assertEquals(List.of(), ids(list(A, "s3", TaskFilter.all())));
    assertEquals(List.of(), ids(list(A, "no-such-session", TaskFilter.all())));
  }

  @Test
  void keepsTenantsApart() throws Exception {
    Page<TaskView> b = list(B, null, TaskFilter.all());
    assertEquals(1, b.items().size());
    assertEquals(TaskStatus.COMPLETED, b.items().get(0).status());
    assertEquals("a1", b.items().get(0).id());
    assertEquals(TaskStatus.PENDING, list(A, "s1", filter(50, null, TaskStatus.PENDING)).items().get(0).status());
    assertTrue(list(A, null, TaskFilter.all()).items().stream().noneMatch(v -> v.equals(b.items().get(0))));
    assertEquals(List.of(), ids(list(B, "s2", TaskFilter.all())));
    assertEquals(List.of(), ids(list("tenantX", null, TaskFilter.all())));

    Page<SessionView> bSessions = sessions(B, 0, null);
    assertEquals(List.of("s1"), bSessions.items().stream().map(SessionView::id).toList());
    SessionView bs1 = bSessions.items().get(0);
    assertEquals("B's first", bs1.title());
    assertEquals(counts(Map.of(TaskStatus.COMPLETED, 1L)), bs1.counts());
    assertEquals(0, bs1.lastEventSeq());
    assertEquals(List.of(), sessions("tenantX", 0, null).items());
    // A cursor of one tenant's listing is only a position: it shows nothing of another tenant.
    Page<TaskView> aFirst = list(A, null, new TaskFilter(Set.of(), 1, null));
    assertEquals(List.of(), ids(list(B, null, new TaskFilter(Set.of(), 50, aFirst.nextCursor()))));
  }

  @Test
  void listsSessionsNewestFirstWithCounts() throws Exception {
    Page<SessionView> page = sessions(A, 0, null);
    assertNull(page.nextCursor());
    assertEquals(List.of("s3", "s2", "s1"), page.items().stream().map(SessionView::id).toList());
    SessionView s3 = page.items().get(0);
    SessionView s2 = page.items().get(1);
    SessionView s1 = page.items().get(2);

    assertEquals("first", s1.title());
    assertEquals("active", s1.status());
    assertEquals(T0, s1.createdAt());
    assertEquals(4, s1.maxConcurrentTasks());
    assertEquals(3, s1.lastEventSeq());
    assertEquals(2, s1.ackedEventSeq());
    assertEquals(JsonNodeFactory.instance.objectNode().put("k", "v"), s1.metadata());
    assertEquals(
        counts(Map.of(TaskStatus.PENDING, 1L, TaskStatus.RUNNING, 1L, TaskStatus.COMPLETED, 1L,
            TaskStatus.PAUSED, 1L, TaskStatus.FAILED, 1L)),
        s1.counts());

    assertEquals("active", s2.status());
    assertEquals(0, s2.lastEventSeq());
    assertNull(s2.metadata());
    assertEquals(
        counts(Map.of(TaskStatus.PENDING, 3L, TaskStatus.INPUT_REQUIRED, 1L, TaskStatus.CANCELLED, 1L)),
        s2.counts());

    assertEquals("closed", s3.status());
    assertEquals(counts(Map.of()), s3.counts());
    // Every status word, zeros included, in the API's order.
    List<String> words = List.of(TaskStatus.values()).stream().map(TaskStatus::wire).toList();
    for (SessionView s : page.items()) assertEquals(words, List.copyOf(s.counts().keySet()));
  }

  @Test
  void pagesThroughSessions() throws Exception {
    Page<SessionView> first = sessions(A, 2, null);
    assertEquals(List.of("s3", "s2"), first.items().stream().map(SessionView::id).toList());
    assertNotNull(first.nextCursor());
    Page<SessionView> second = sessions(A, 2, first.nextCursor());
    assertEquals(List.of("s1"), second.items().stream().map(SessionView::id).toList());
    assertNull(second.nextCursor());
    assertEquals(5L, second.items().get(0).counts().values().stream().mapToLong(Long::longValue).sum());
    Page<SessionView> exact = sessions(A, 3, null);
    assertEquals(3, exact.items().size());
    assertNull(exact.nextCursor());
  }

  @Test
  void refusesMalformedCursorsAndLimits() {
    String taskCursor;
    String sessionCursor;
    try {
      taskCursor = list(A, null, new TaskFilter(Set.of(), 1, null)).nextCursor();
      sessionCursor = sessions(A, 1, null).nextCursor();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    List<String> bad =
        List.of(
            "!!!not base64",
            b64("nonsense"),
            b64("t|notanumber|a1"),
            b64("t|123|"),
            b64("x|123|a1"),
            sessionCursor);
    for (String cursor : bad) {
      InvalidRequestException e =
          refusal(readModel.listTasks(A, null, new TaskFilter(Set.of(), 10, cursor)));
      assertEquals("cursor", e.field(), cursor);
    }
    assertEquals("cursor", refusal(readModel.listSessions(A, 10, taskCursor)).field());
    assertEquals("limit", refusal(readModel.listSessions(A, TaskFilter.MAX_LIMIT + 1, null)).field());
  }

  @Test
  void followsNewEvents() throws Exception {
    String c = "tenantC";
    session(c, "live", "live one", T0, null);
    TaskPlan plan = new TaskPlan(c, "live", "c1", T0.plusSeconds(1), TaskStatus.RUNNING);
    List<TaskEvent> events = lifecycle(plan);
    writeTask(c, "c1", events.subList(0, 1));
    written.awaitAssert(
        CATCH_UP,
        () -> {
          assertEquals(List.of(TaskStatus.PENDING), statuses(list(c, null, TaskFilter.all())));
          return null;
        });
    writeTask(c, "c1", events.subList(1, events.size()));
    written.awaitAssert(
        CATCH_UP,
        () -> {
          Page<TaskView> page = list(c, "live", TaskFilter.all());
          assertEquals(expectedViews(c, null, Set.of()), page.items());
          assertEquals(TaskStatus.RUNNING, page.items().get(0).status());
          assertEquals(new Progress(40, "running tests", plan.createdAt().plusSeconds(2)), page.items().get(0).progress());
          assertEquals(
              counts(Map.of(TaskStatus.RUNNING, 1L)), sessions(c, 0, null).items().get(0).counts());
          return null;
        });
  }

  /**
   * The tag rows both projections have handled are deleted (they are only the projections' index
   * into the journal); the events stay, rows not yet handled stay, and the read model follows on.
   */
  @Test
  void prunesTheTagRowsTheProjectionsHandled() throws Exception {
    String p = "tenantP";
    session(p, "sp", "pruned", T0, null);
    TaskPlan plan = new TaskPlan(p, "sp", "p1", T0.plusSeconds(1), TaskStatus.COMPLETED);
    List<TaskEvent> events = lifecycle(plan);
    writeTask(p, "p1", events);
    written.awaitAssert(
        CATCH_UP,
        () -> {
          assertEquals(List.of(TaskStatus.COMPLETED), statuses(list(p, null, TaskFilter.all())));
          long handled = projectedUpTo(ReadModel.TASK_PROJECTION, ReadModel.TASK_TAG);
          assertTrue(handled > 0);
          assertEquals(0, count("SELECT COUNT(*) FROM \"event_tag\" WHERE \"event_id\" <= " + handled
              + " AND \"tag\" = '" + ReadModel.TASK_TAG + "'"));
          return null;
        });
    assertTrue(count("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = 'task|" + p + "|p1'")
        >= events.size(), "the events stay");
    // Tasks written after the pruning are still projected.
    TaskPlan later = new TaskPlan(p, "sp", "p2", T0.plusSeconds(2), TaskStatus.RUNNING);
    writeTask(p, "p2", lifecycle(later));
    written.awaitAssert(
        CATCH_UP,
        () -> {
          assertEquals(List.of(TaskStatus.RUNNING, TaskStatus.COMPLETED), statuses(list(p, null, TaskFilter.all())));
          return null;
        });
  }

  private long projectedUpTo(String projection, String tag) throws Exception {
    return count("SELECT \"current_offset\" FROM \"tf_projection_offset\" WHERE \"projection_name\" = '"
        + projection + "' AND \"projection_key\" = '" + tag + "'");
  }

  private long count(String sql) throws Exception {
    ReadModelJdbcSession session = readModel.newSession();
    try {
      return session.withConnection(connection -> {
        try (PreparedStatement ps = connection.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Long.parseLong(rs.getString(1).trim()) : 0L;
        }
      });
    } finally {
      session.close();
    }
  }

  /** Events seen again (a replay from an older offset) change nothing; a row is read back and updated. */
  @Test
  void appliesEachEventOnce() throws Exception {
    String z = "tenantZ";
    TaskPlan plan = new TaskPlan(z, "sz", "z1", T0, TaskStatus.COMPLETED);
    List<TaskEvent> events = lifecycle(plan);
    String pid = "task|" + z + "|z1";
    List<EventEnvelope<TaskEvent>> envelopes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      envelopes.add(EventEnvelope.create(Offset.sequence(10_000 + i), pid, i + 1, events.get(i), 0L));
    }
    TaskProjectionHandler handler = new TaskProjectionHandler(codec);
    // The first two, then the first three again (two repeats), then all again, in three transactions.
    for (int upTo : new int[] {2, 3, envelopes.size()}) {
      ReadModelJdbcSession session = readModel.newSession();
      try {
        List<EventEnvelope<TaskEvent>> batch = envelopes.subList(0, upTo);
        session.withConnection(
            connection -> {
              handler.apply(connection, batch);
              return null;
            });
        session.commit();
      } finally {
        session.close();
      }
    }
    TaskState state = new TaskState.EmptyTask();
    for (TaskEvent e : events) state = TaskTransitions.apply(state, e);
    expected.put(new RowKey(z, "z1"), state);
    assertEquals(List.of(TaskViews.of((CreatedTask) state, null)), list(z, null, TaskFilter.all()).items());
    ReadModelJdbcSession session = readModel.newSession();
    try {
      session.withConnection(
          connection -> {
            try (PreparedStatement ps =
                connection.prepareStatement(
                    "SELECT seq_nr, state_type, status FROM tf_rm_task WHERE tenant = ? AND task_id = ?")) {
              ps.setString(1, z);
              ps.setString(2, "z1");
              try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(events.size(), rs.getLong(1));
                assertEquals("CompletedTask", rs.getString(2));
                assertEquals("completed", rs.getString(3));
              }
            }
            return null;
          });
    } finally {
      session.close();
    }
  }

  @Test
  void roundTripsEveryStateThroughJson() {
    for (TaskState state : expected.values()) {
      String json = codec.write(state);
      assertEquals(state, codec.readState(StateCodec.typeOf(state), json));
    }
    // A task paused while waiting for an answer keeps its question and where it came from.
    TaskState waiting = new TaskState.EmptyTask();
    for (TaskEvent e : lifecycle(new TaskPlan(A, "s", "p", T0, TaskStatus.INPUT_REQUIRED))) {
      waiting = TaskTransitions.apply(waiting, e);
    }
    TaskState paused = TaskTransitions.apply(waiting, new TaskEvent.Paused(T0.plusSeconds(9)));
    assertInstanceOf(TaskState.PausedTask.class, paused);
    assertEquals(paused, codec.readState(StateCodec.typeOf(paused), codec.write(paused)));
  }

  // ---------------------------------------------------------------------------------------------

  record TaskPlan(String tenant, String sessionId, String taskId, Instant createdAt, TaskStatus target) {}

  /** The events that take a new task to {@code target}. */
  static List<TaskEvent> lifecycle(TaskPlan p) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    input.putArray("command").add("bash").add("-c").add("make test");
    TaskSpec spec =
        TaskSpec.of("process", input)
            .withTitle("task " + p.taskId())
            .withPriority(p.taskId().length())
            .withContext(JsonNodeFactory.instance.objectNode().put("askedBy", "main session"))
            .withLabels(Map.of("area", "auth"));
    TaskData data = new TaskData(p.tenant(), p.taskId(), p.sessionId(), spec, p.createdAt());
    Instant c = p.createdAt();
    List<TaskEvent> events = new ArrayList<>();
    events.add(new TaskEvent.Created(data, c));
    byte[] output = "line 1\nline 2\n".getBytes(StandardCharsets.UTF_8);
    switch (p.target()) {
      case PENDING -> {}
      case RUNNING -> {
        events.add(new TaskEvent.Started(1, c.plusSeconds(1)));
        events.add(new TaskEvent.ProgressRecorded(new Progress(40, "running tests", c.plusSeconds(2)), c.plusSeconds(2)));
      }
      case COMPLETED -> {
        events.add(new TaskEvent.Started(1, c.plusSeconds(1)));
        ObjectNode result = JsonNodeFactory.instance.objectNode().put("exitCode", 0).put("stdoutTail", "ok");
        events.add(new TaskEvent.Completed(result, new OutputTail(0, output), c.plusSeconds(3)));
        events.add(new TaskEvent.ReportsConfirmed(3, c.plusSeconds(4)));
      }
      case PAUSED -> events.add(new TaskEvent.Paused(c.plusSeconds(1)));
      case FAILED -> {
        events.add(new TaskEvent.Started(1, c.plusSeconds(1)));
        events.add(
            new TaskEvent.Failed(new TaskError(ErrorType.EXIT, "exit 1"), new OutputTail(7, output), c.plusSeconds(3)));
      }
      case INPUT_REQUIRED -> {
        events.add(new TaskEvent.Started(1, c.plusSeconds(1)));
        events.add(new TaskEvent.InputRequested("which branch?", c.plusSeconds(2)));
      }
      case CANCELLED -> events.add(new TaskEvent.Cancelled("the user asked", OutputTail.EMPTY, c.plusSeconds(1)));
    }
    return events;
  }

  static SessionEvent reportApplied(String taskId, long feedSeq) {
    TaskReport report =
        new TaskReport(1, ReportKind.DISPATCHED, TaskStatus.PENDING, false, T0, "t", 0, true, 0,
            null, null, null, null, null);
    return new SessionEvent.ReportApplied(taskId, report, feedSeq, 0, List.of(), T0.plusSeconds(20));
  }

  void session(String tenant, String sessionId, String title, Instant createdAt, JsonNode metadata) {
    SessionInfo info = new SessionInfo(tenant, sessionId, title, 4, 10_000, metadata, createdAt);
    writeSession(tenant, sessionId, new SessionEvent.SessionCreated(info, createdAt));
  }

  void writeSession(String tenant, String sessionId, SessionEvent... events) {
    write("session|" + tenant + "|" + sessionId, List.of(events));
  }

  void writeTask(String tenant, String taskId, List<TaskEvent> events) {
    write("task|" + tenant + "|" + taskId, events);
    RowKey key = new RowKey(tenant, taskId);
    TaskState state = expected.getOrDefault(key, new TaskState.EmptyTask());
    for (TaskEvent e : events) state = TaskTransitions.apply(state, e);
    expected.put(key, state);
  }

  private void write(String persistenceId, List<? extends JsonSerializable> events) {
    ActorRef<EventWriter.Write> writer =
        writers.computeIfAbsent(persistenceId, pid -> testKit.spawn(EventWriter.create(pid)));
    writer.tell(new EventWriter.Write(events, written.ref()));
    written.expectMessage(CALL, Done.getInstance());
  }

  /** The views the read model must list, in its order: createdAt millis, then id, descending. */
  List<TaskView> expectedViews(String tenant, String sessionId, Set<TaskStatus> statuses) {
    Comparator<TaskView> newestFirst =
        Comparator.comparingLong((TaskView v) -> v.createdAt().toEpochMilli())
            .thenComparing(TaskView::id)
            .reversed();
    return expected.entrySet().stream()
        .filter(e -> e.getKey().tenant().equals(tenant))
        .map(e -> TaskViews.of((CreatedTask) e.getValue(), null))
        .filter(v -> sessionId == null || sessionId.equals(v.sessionId()))
        .filter(v -> statuses.isEmpty() || statuses.contains(v.status()))
        .sorted(newestFirst)
        .toList();
  }

  Page<TaskView> list(String tenant, String sessionId, TaskFilter filter) throws Exception {
    return readModel.listTasks(tenant, sessionId, filter).toCompletableFuture().get(CALL.toMillis(), TimeUnit.MILLISECONDS);
  }

  Page<SessionView> sessions(String tenant, int limit, String cursor) throws Exception {
    return readModel.listSessions(tenant, limit, cursor).toCompletableFuture().get(CALL.toMillis(), TimeUnit.MILLISECONDS);
  }

  static TaskFilter filter(int limit, String cursor, TaskStatus... statuses) {
    return new TaskFilter(Set.of(statuses), limit, cursor);
  }

  static List<String> ids(Page<TaskView> page) {
    return page.items().stream().map(TaskView::id).toList();
  }

  static List<TaskStatus> statuses(Page<TaskView> page) {
    return page.items().stream().map(TaskView::status).toList();
  }

  static Map<String, Long> counts(Map<TaskStatus, Long> nonZero) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (TaskStatus s : TaskStatus.values()) counts.put(s.wire(), nonZero.getOrDefault(s, 0L));
    return counts;
  }

  static String b64(String plain) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  static InvalidRequestException refusal(CompletionStage<?> stage) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(InvalidRequestException.class, e.getCause());
  }

  /** Without a logback configuration of the build's own, keep the output to INFO (Slick is chatty). */
  static void quietLogging() {
    if (ReadModelScenario.class.getResource("/logback-test.xml") != null
        || ReadModelScenario.class.getResource("/logback.xml") != null
        || System.getProperty("logback.configurationFile") != null) {
      return;
    }
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.INFO);
      context.getLogger("slick").setLevel(ch.qos.logback.classic.Level.WARN);
      context.getLogger("com.zaxxer.hikari").setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }
}
