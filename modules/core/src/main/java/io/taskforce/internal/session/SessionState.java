package io.taskforce.internal.session;

import io.taskforce.api.SessionView;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.task.TaskReport;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's state. It stays bounded: counts per status and the unfinished tasks (plus finished
 * ones until they confirm they know it), never the whole history.
 */
public sealed interface SessionState extends JsonSerializable {

  record NoSession() implements SessionState {
    OpenSession create(SessionEvent.SessionCreated e) {
      return new OpenSession(SessionBody.created(e.info()));
    }
  }

  sealed interface ExistingSession extends SessionState {
    SessionBody body();

    ExistingSession withBody(SessionBody body);

    String status();

    default ExistingSession applyReport(SessionEvent.ReportApplied e) {
      return withBody(body().apply(e));
    }

    default ExistingSession ack(SessionEvent.FeedAcked e) {
      return withBody(body().ack(e.upTo()));
    }

    default ExistingSession forget(SessionEvent.TaskForgotten e) {
      return withBody(body().forget(List.of(e.taskId())));
    }

    default ExistingSession forget(SessionEvent.TasksForgotten e) {
      return withBody(body().forget(e.taskIds()));
    }

    default SessionView view() {
      return body().view(status());
    }
  }

  record OpenSession(SessionBody body) implements ExistingSession {
    public OpenSession withBody(SessionBody b) {
      return new OpenSession(b);
    }

    public String status() {
      return "active";
    }

    ClosedSession close(SessionEvent.SessionClosed e) {
      return new ClosedSession(body, e.at());
    }
  }

  record ClosedSession(SessionBody body, Instant closedAt) implements ExistingSession {
    public ClosedSession withBody(SessionBody b) {
      return new ClosedSession(b, closedAt);
    }

    public String status() {
      return "closed";
    }
  }

  /** What an existing session holds, open or closed. */
  record SessionBody(
      SessionInfo info,
      long lastEventSeq,
      long ackedEventSeq,
      Map<String, Long> counts,
      SessionTasks tasks,
      FeedIndex feedIndex)
      implements JsonSerializable {

    public SessionBody {
      counts = Map.copyOf(counts);
    }

    static SessionBody created(SessionInfo info) {
      return new SessionBody(info, 0, 0, Map.of(), SessionTasks.EMPTY, FeedIndex.EMPTY);
    }

    SessionBody apply(SessionEvent.ReportApplied e) {
      TaskReport report = e.report();
      var newCounts = new HashMap<>(counts);
      TaskEntry before = tasks.get(e.taskId());
      TaskEntry after =
          before == null ? TaskEntry.dispatched(e.feedSeq(), report) : before.apply(report);
      if (before != null) newCounts.merge(before.status().wire(), -1L, Long::sum);
      newCounts.merge(after.status().wire(), 1L, Long::sum);
      SessionTasks newTasks = tasks.with(e.taskId(), after);
      for (String granted : e.grants()) {
        TaskEntry entry = newTasks.get(granted);
        if (entry != null) newTasks = newTasks.with(granted, entry.grant());
      }
      long seq = Math.max(lastEventSeq, e.feedSeq());
      FeedIndex index = e.feedSeq() > 0 ? feedIndex.record(e.feedSeq(), e.journalSeqNr()) : feedIndex;
      return new SessionBody(info, seq, ackedEventSeq, newCounts, newTasks, index);
    }

    SessionBody ack(long upTo) {
      return new SessionBody(
          info, lastEventSeq, Math.max(ackedEventSeq, Math.min(upTo, lastEventSeq)), counts, tasks, feedIndex);
    }

    SessionBody forget(List<String> taskIds) {
      SessionTasks left = tasks;
      for (String taskId : taskIds) left = left.without(taskId);
      return new SessionBody(info, lastEventSeq, ackedEventSeq, counts, left, feedIndex);
    }

    /** The number of tasks waiting in the queue (not yet granted a start). */
    public long queuedCount() {
      return tasks.queuedCount();
    }

    /** Whether any task is unfinished: then the session must stay up (and remembered). */
    public boolean hasUnfinishedTasks() {
      return tasks.unfinishedCount() > 0;
    }

    /**
     * The queued tasks that may start given the session's limit, highest priority first, then
     * oldest, assuming {@code this} is the state after the change being persisted.
     */
    public List<String> grantable() {
      long free = info.maxConcurrentTasks() - tasks.occupyingSlots();
      if (free <= 0) return List.of();
      return tasks.firstQueued(free);
    }

    SessionView view(String status) {
      Map<String, Long> all = new LinkedHashMap<>();
      for (TaskStatus s : TaskStatus.values()) all.put(s.wire(), counts.getOrDefault(s.wire(), 0L));
      return new SessionView(
          info.sessionId(),
          info.title(),
          status,
          info.createdAt(),
          info.maxConcurrentTasks(),
          all,
          lastEventSeq,
          ackedEventSeq,
          info.metadata());
    }
  }
}
