package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code taskforce list [--session S] [--status running,paused] [--limit N]}: tasks, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = {"List tasks, newest first: of one session, or all of yours.",
        "Lists may lag the truth by about a second; status of one task is always current."})
public final class ListCommand extends ClientCommand {
  @Option(names = "--session", paramLabel = "SESSION", description = "Only this session's tasks.")
  String session;

  @Option(names = "--status", paramLabel = "STATUSES",
      description = "Only these statuses, comma-separated (pending, running, paused, input_required, "
          + "completed, failed, cancelled).")
  String status;

  @Option(names = "--limit", paramLabel = "N", description = "At most N tasks (the server's default otherwise).")
  Integer limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "The next page, as a previous list said.")
  String cursor;

  @Override
  int run(Api api) {
    if (limit != null && limit < 1) throw usage("--limit must be 1 or more");
    StringBuilder path = new StringBuilder(session == null ? "/v1/tasks" : "/v1/sessions/" + Api.seg(session) + "/tasks");
    char sep = '?';
    if (status != null) {
      path.append(sep).append("status=").append(Api.query(status.replace(" ", "")));
      sep = '&';
    }
    if (limit != null) {
      path.append(sep).append("limit=").append(limit);
      sep = '&';
    }
    if (cursor != null) path.append(sep).append("cursor=").append(Api.query(cursor));
    Api.Reply reply = api.get(path.toString());
    if (json()) {
      out.println(reply.body());
      return ExitCode.OK;
    }
    Table table = session == null
        ? new Table("ID", "SESSION", "STATUS", "DETAIL", "TITLE")
        : new Table("ID", "STATUS", "DETAIL", "TITLE");
    for (JsonNode task : reply.json().path("items")) {
      String id = Render.text(task, "id");
      String state = Render.text(task, "status");
      String detail = Render.shorten(Render.detail(task), 50);
      String title = Render.shorten(Render.oneLine(Render.text(task, "title")), 60);
      if (session == null) table.row(id, Render.text(task, "sessionId"), state, detail, title);
      else table.row(id, state, detail, title);
    }
    if (table.isEmpty()) out.println("no tasks");
    else table.print(out);
    String next = Render.text(reply.json(), "nextCursor");
    if (!next.isEmpty()) {
      out.flush();
      err.println("more: taskforce list" + (session == null ? "" : " --session " + session) + " --cursor " + next);
    }
    return ExitCode.OK;
  }
}
