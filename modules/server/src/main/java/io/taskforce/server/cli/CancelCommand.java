package io.taskforce.server.cli;

import picocli.CommandLine.Command;

/** {@code taskforce cancel <task>}. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel an unfinished task.")
public final class CancelCommand extends TransitionCommand {
  @Override
  String action() {
    return "cancel";
  }
}
