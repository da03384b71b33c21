package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code taskforce sessions [--limit N]}: your sessions, newest first, with their task counts. */
@Command(name = "sessions", mixinStandardHelpOptions = true,
    description = "List your sessions, newest first, with their tasks counted by status.")
public final class SessionsCommand extends ClientCommand {
  @Option(names = "--limit", paramLabel = "N", description = "At most N sessions (the server's default otherwise).")
  Integer limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "The next page, as a previous list said.")
  String cursor;

  @Override
  int run(Api api) {
    if (limit != null && limit < 1) throw usage("--limit must be 1 or more");
    String path = "/v1/sessions";
    if (limit != null) path += "?limit=" + limit;
    if (cursor != null) path += (limit != null ? "&" : "?") + "cursor=" + Api.query(cursor);
    Api.Reply reply = api.get(path);
    if (json()) {
      out.println(reply.body());
      return ExitCode.OK;
    }
    Table table = new Table("ID", "STATUS", "TASKS", "CREATED", "TITLE");
    for (JsonNode session : reply.json().path("items")) {
      table.row(Render.text(session, "id"), Render.text(session, "status"), Render.counts(session.path("counts")),
          Render.text(session, "createdAt"), Render.shorten(Render.oneLine(Render.text(session, "title")), 60));
    }
    if (table.isEmpty()) out.println("no sessions");
    else table.print(out);
    String next = Render.text(reply.json(), "nextCursor");
    if (!next.isEmpty()) {
      out.flush();
      err.println("more: taskforce sessions --cursor " + next);
    }
    return ExitCode.OK;
  }
}
