package io.taskforce.internal.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.taskforce.internal.JsonSerializable;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedSet;
import org.pcollections.TreePSet;

/**
 * The tasks a session keeps (unfinished ones, and finished ones until they confirm they know it),
 * as a persistent map with its queue and tallies kept beside it, so that applying one report costs
 * O(log n) however many tasks the session holds (a copied map or a scan per event made a session
 * of thousands of queued tasks quadratic to fill and to recover). It is a read-only {@link Map}
 * and serializes as one; the queue and tallies are derived again when it is read.
 */
public final class SessionTasks extends AbstractMap<String, TaskEntry> implements JsonSerializable {
  /** Highest priority first, then the oldest dispatch. */
  private static final Comparator<Queued> QUEUE_ORDER =
      Comparator.comparingInt((Queued q) -> -q.priority())
          .thenComparingLong(Queued::order)
          .thenComparing(Queued::taskId);

  static final SessionTasks EMPTY = new SessionTasks(HashTreePMap.empty(), TreePSet.empty(QUEUE_ORDER), Tally.NONE);

  private record Queued(int priority, long order, String taskId) {}

  /** Counts of the entries that the session's decisions need, kept as entries change. */
  private record Tally(int unfinished, int occupyingSlots, int awaitingTask) {
    static final Tally NONE = new Tally(0, 0, 0);

    Tally plus(TaskEntry e, int sign) {
      return new Tally(
          unfinished + (e.finished() ? 0 : sign),
          occupyingSlots + (e.occupiesSlot() ? sign : 0),
          awaitingTask + (e.finished() || e.granted() ? sign : 0));
    }
  }

  private final PMap<String, TaskEntry> entries;
  private final PSortedSet<Queued> queue;
  private final Tally tally;

  private SessionTasks(PMap<String, TaskEntry> entries, PSortedSet<Queued> queue, Tally tally) {
    this.entries = entries;
    this.queue = queue;
    this.tally = tally;
  }

  /** Reads a snapshot's map (any map): the queue and tallies are derived from the entries. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static SessionTasks of(Map<String, TaskEntry> tasks) {
    if (tasks instanceof SessionTasks same) return same;
    SessionTasks result = EMPTY;
    for (Map.Entry<String, TaskEntry> e : tasks.entrySet()) result = result.with(e.getKey(), e.getValue());
    return result;
  }

  /** These tasks with {@code taskId}'s entry set to {@code entry}. */
  SessionTasks with(String taskId, TaskEntry entry) {
    TaskEntry before = entries.get(taskId);
    PSortedSet<Queued> newQueue = queue;
    Tally newTally = tally;
    if (before != null) {
      newTally = newTally.plus(before, -1);
      if (before.queued()) newQueue = newQueue.minus(queued(taskId, before));
    }
    newTally = newTally.plus(entry, 1);
    if (entry.queued()) newQueue = newQueue.plus(queued(taskId, entry));
    return new SessionTasks(entries.plus(taskId, entry), newQueue, newTally);
  }

  /** These tasks without {@code taskId}. */
  SessionTasks without(String taskId) {
    TaskEntry before = entries.get(taskId);
    if (before == null) return this;
    PSortedSet<Queued> newQueue = before.queued() ? queue.minus(queued(taskId, before)) : queue;
    return new SessionTasks(entries.minus(taskId), newQueue, tally.plus(before, -1));
  }

  /** The first {@code n} queued tasks in the order they may start. */
  List<String> firstQueued(long n) {
    List<String> ids = new ArrayList<>();
    for (Queued q : queue) {
      if (ids.size() >= n) break;
      ids.add(q.taskId());
    }
    return List.copyOf(ids);
  }

  /** Tasks waiting in the queue for a grant. */
  public int queuedCount() {
    return queue.size();
  }

  /** Tasks not finished yet. */
  public int unfinishedCount() {
    return tally.unfinished();
  }

  /** Tasks that count against the session's {@code maxConcurrentTasks}. */
  public int occupyingSlots() {
    return tally.occupyingSlots();
  }

  /** Whether some task has yet to act on what the session told it (a grant, a final confirmation). */
  public boolean anyAwaitingTask() {
    return tally.awaitingTask() > 0;
  }

  private static Queued queued(String taskId, TaskEntry entry) {
    return new Queued(entry.priority(), entry.order(), taskId);
  }

  @Override
  public TaskEntry get(Object key) {
    return entries.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return entries.containsKey(key);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public Set<Map.Entry<String, TaskEntry>> entrySet() {
    return entries.entrySet();
  }
}
