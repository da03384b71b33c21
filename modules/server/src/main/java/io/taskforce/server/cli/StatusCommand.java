package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code taskforce status <task>}: the task as it is now. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show a task: status, progress, question, error, times.")
public final class StatusCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "TASK", description = "The task's id.")
  String taskId;

  @Override
  int run(Api api) {
    Api.Reply reply = api.get("/v1/tasks/" + Api.seg(taskId));
    if (json()) {
      out.println(reply.body());
      return ExitCode.OK;
    }
    print(reply.json());
    return ExitCode.OK;
  }

  private void print(JsonNode task) {
    Table table = new Table("id", Render.text(task, "id"));
    table.row("session", Render.text(task, "sessionId"));
    if (!Render.text(task, "title").isEmpty()) table.row("title", Render.text(task, "title"));
    table.row("executor", Render.text(task, "executor"));
    table.row("status", Render.text(task, "status"));
    String progress = Render.progress(task.path("progress"));
    if (!progress.isEmpty()) table.row("progress", progress);
    if (task.hasNonNull("question")) table.row("question", Render.text(task, "question"));
    if (task.hasNonNull("error")) table.row("error", Render.error(task.get("error")));
    String result = task.hasNonNull("result") ? Render.resultSummary(task.get("result")) : "";
    if (!result.isEmpty()) table.row("result", result);
    table.row("attempt", Render.text(task, "attempt")
        + (task.path("maxAttempts").asInt(1) > 1 ? " of " + task.get("maxAttempts").asInt() : ""));
    if (task.path("priority").asInt(0) != 0) table.row("priority", Render.text(task, "priority"));
    if (task.path("labels").size() > 0) table.row("labels", labels(task.get("labels")));
    table.row("created", Render.text(task, "createdAt"));
    if (task.hasNonNull("startedAt")) table.row("started", Render.text(task, "startedAt"));
    if (task.hasNonNull("finishedAt")) table.row("finished", Render.text(task, "finishedAt"));
    table.print(out);
  }

  private static String labels(JsonNode labels) {
    StringBuilder text = new StringBuilder();
    labels.fields().forEachRemaining(e -> {
      if (text.length() > 0) text.append(", ");
      text.append(e.getKey()).append('=').append(e.getValue().asText());
    });
    return text.toString();
  }
}
