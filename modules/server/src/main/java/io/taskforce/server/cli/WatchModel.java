package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code watch} knows of a session's tasks, from its task list and then from its feed. */
final class WatchModel {
  /** One task's row. */
  static final class Row {
    final String id;
    String title = "";
    String status = "pending";
    Integer percent;
    String message = "";
    String question = "";

    Row(String id) {
      this.id = id;
    }

    boolean unfinished() {
      return Render.UNFINISHED.contains(status);
    }
  }

  private final Map<String, Row> rows = new LinkedHashMap<>();

  /** A task as the API shows it (the initial list). */
  void load(JsonNode task) {
    Row row = row(Render.text(task, "id"));
    row.title = Render.text(task, "title");
    row.status = Render.text(task, "status");
    progress(row, task.path("progress"));
    row.question = Render.text(task, "question");
  }

  /** A feed event's data; answers the task's row. */
  Row apply(JsonNode event) {
    Row row = row(Render.text(event, "taskId"));
    if (!Render.text(event, "title").isEmpty()) row.title = Render.text(event, "title");
    String type = Render.text(event, "type");
    if (!type.equals("task.progress") && !Render.text(event, "status").isEmpty()) {
      row.status = Render.text(event, "status");
    }
    if (event.hasNonNull("progress")) progress(row, event.get("progress"));
    if (type.equals("task.input_required")) row.question = Render.text(event, "question");
    else if (!row.status.equals("input_required") && !row.status.equals("paused")) row.question = "";
    return row;
  }

  List<Row> unfinished() {
    List<Row> list = new ArrayList<>();
    for (Row row : rows.values()) if (row.unfinished()) list.add(row);
    return list;
  }

  /** Unfinished tasks counted by status: {@code 2 running, 1 input_required}. */
  String summary() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String status : Render.UNFINISHED) counts.put(status, 0);
    for (Row row : unfinished()) counts.merge(row.status, 1, Integer::sum);
    List<String> parts = new ArrayList<>();
    counts.forEach((status, n) -> {
      if (n > 0) parts.add(n + " " + status);
    });
    return parts.isEmpty() ? "no unfinished task" : String.join(", ", parts);
  }

  private Row row(String id) {
    return rows.computeIfAbsent(id, Row::new);
  }

  private static void progress(Row row, JsonNode progress) {
    if (progress == null || !progress.isObject()) return;
    row.percent = progress.path("percent").isNumber() ? progress.get("percent").asInt() : null;
    row.message = Render.oneLine(Render.text(progress, "message"));
  }
}
