package io.taskforce.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code taskforce result <task> [--wait[=SECONDS]]}: the outcome, optionally waited for. */
@Command(name = "result", mixinStandardHelpOptions = true,
    description = {"Print a task's result (exit 0), or its failure or cancellation (exit 1).",
        "A task still unfinished (no --wait, or the wait ran out) prints its status and exits 5."})
public final class ResultCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "TASK", description = "The task's id.")
  String taskId;

  @Option(names = "--wait", arity = "0..1", paramLabel = "SECONDS", fallbackValue = "-1",
      preprocessor = OptionalSeconds.class, description = "Wait for the task to finish: without a value until it does, else at most SECONDS.")
  Long waitSeconds;

  @Override
  int run(Api api) throws Exception {
    long total = waitSeconds == null ? 0 : waitSeconds;
    if (total < ResultWait.FOREVER) throw usage("--wait must be a number of seconds (0 or more)");
    return ResultWait.print(ResultWait.await(api, taskId, total), json(), out);
  }
}
