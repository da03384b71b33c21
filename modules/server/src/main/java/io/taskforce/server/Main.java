package io.taskforce.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code taskforce} command: the server and the client verbs. */
@Command(name = "taskforce", mixinStandardHelpOptions = true, version = "taskforce 0.1.0",
    description = "Background subagent tasks for AI agent sessions.",
    subcommands = {ServerCommand.class,
        io.taskforce.server.cli.DispatchCommand.class, io.taskforce.server.cli.StatusCommand.class,
        io.taskforce.server.cli.ResultCommand.class, io.taskforce.server.cli.OutputCommand.class,
        io.taskforce.server.cli.PauseCommand.class, io.taskforce.server.cli.ResumeCommand.class,
        io.taskforce.server.cli.CancelCommand.class, io.taskforce.server.cli.AnswerCommand.class,
        io.taskforce.server.cli.ListCommand.class, io.taskforce.server.cli.SessionsCommand.class,
        io.taskforce.server.cli.WatchCommand.class, io.taskforce.server.cli.DbCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    System.exit(code);
  }
}
