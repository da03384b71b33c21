package io.taskforce.internal.task;

import io.taskforce.internal.JsonSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The reports a task has made and its session has not yet durably confirmed. Confirmations are
 * written down only for the final report or when many pile up, so the list stays short.
 */
public record Outbox(long lastSeq, List<TaskReport> unconfirmed) implements JsonSerializable {
  public static final Outbox EMPTY = new Outbox(0, List.of());

  public Outbox {
    unconfirmed = List.copyOf(unconfirmed);
  }

  public Outbox add(TaskReport report) {
    List<TaskReport> reports = new ArrayList<>(unconfirmed);
    reports.add(report);
    return new Outbox(report.seq(), reports);
  }

  public Outbox confirm(long upTo) {
    return new Outbox(lastSeq, unconfirmed.stream().filter(r -> r.seq() > upTo).toList());
  }

  public List<TaskReport> after(long seq) {
    return unconfirmed.stream().filter(r -> r.seq() > seq).toList();
  }

  public boolean finalConfirmed() {
    return unconfirmed.isEmpty();
  }
}
