package io.taskforce.server.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code taskforce answer <task> <text>}: answers the question of an input_required task. */
@Command(name = "answer", mixinStandardHelpOptions = true,
    description = "Answer the question of an input_required task; it runs again.")
public final class AnswerCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "TASK", description = "The task's id.")
  String taskId;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "The answer (words are joined by spaces).")
  List<String> words;

  @Override
  int run(Api api) {
    var body = Api.JSON.createObjectNode().put("text", String.join(" ", words));
    Api.Reply reply = api.post("/v1/tasks/" + Api.seg(taskId) + "/input", body);
    out.println(json() ? reply.body() : Render.statusLine(reply.json()));
    return ExitCode.OK;
  }
}
