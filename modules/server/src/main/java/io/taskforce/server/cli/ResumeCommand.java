package io.taskforce.server.cli;

import picocli.CommandLine.Command;

/** {@code taskforce resume <task>}. */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = "Resume a paused task: it returns to the status it was paused from.")
public final class ResumeCommand extends TransitionCommand {
  @Override
  String action() {
    return "resume";
  }
}
