package io.taskforce.api;

import java.util.Set;

/** Which tasks a listing returns: by status (empty means all), at most {@code limit}, after a cursor. */
public record TaskFilter(Set<TaskStatus> statuses, int limit, String cursor) {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public TaskFilter {
    statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
    if (limit <= 0) limit = DEFAULT_LIMIT;
    if (limit > MAX_LIMIT) {
      throw new InvalidRequestException("limit", "limit must be within 1.." + MAX_LIMIT);
    }
  }

  public static TaskFilter all() {
    return new TaskFilter(Set.of(), DEFAULT_LIMIT, null);
  }

  public static TaskFilter byStatus(TaskStatus... statuses) {
    return new TaskFilter(Set.of(statuses), DEFAULT_LIMIT, null);
  }
}
