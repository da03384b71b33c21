package io.taskforce.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code taskforce} command: the server and the client verbs. */
@Command(name = "taskforce", mixinStandardHelpOptions = true, version = "taskforce 0.1.0",
    description = "Background subagent tasks for AI agent sessions.",
    subcommands = {ServerCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    System.exit(code);
  }
}
