package io.taskforce.server.cli;

/** The CLI's exit codes, as {@code docs/cli.md} lists them. */
public final class ExitCode {
  /** Done; for {@code result} and {@code dispatch --wait}: the task completed. */
  public static final int OK = 0;
  /** The task failed or was cancelled, or the server refused the request (a conflict, a bad token). */
  public static final int FAILED = 1;
  /** A usage error: a missing or malformed argument, or a request the server found malformed (400). */
  public static final int USAGE = 2;
  /** The task or session does not exist (404). */
  public static final int NOT_FOUND = 3;
  /** The server cannot be reached. */
  public static final int UNREACHABLE = 4;
  /** {@code result}: the task is still unfinished when the wait ends. */
  public static final int UNFINISHED = 5;

  private ExitCode() {}
}
