package io.taskforce.server.cli;

import picocli.CommandLine.Command;

/** {@code taskforce pause <task>}. */
@Command(name = "pause", mixinStandardHelpOptions = true,
    description = "Pause a pending, running or input_required task (its process is stopped, not killed).")
public final class PauseCommand extends TransitionCommand {
  @Override
  String action() {
    return "pause";
  }
}
