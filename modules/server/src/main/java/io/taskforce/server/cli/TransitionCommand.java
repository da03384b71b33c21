package io.taskforce.server.cli;

import picocli.CommandLine.Parameters;

/** {@code pause}, {@code resume}, {@code cancel}: one POST, then the task's new status line. */
abstract class TransitionCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "TASK", description = "The task's id.")
  String taskId;

  /** The last path segment: {@code pause}, {@code resume} or {@code cancel}. */
  abstract String action();

  @Override
  int run(Api api) {
    Api.Reply reply = api.post("/v1/tasks/" + Api.seg(taskId) + "/" + action(), null);
    out.println(json() ? reply.body() : Render.statusLine(reply.json()));
    return ExitCode.OK;
  }
}
