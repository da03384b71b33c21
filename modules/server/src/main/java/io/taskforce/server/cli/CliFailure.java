package io.taskforce.server.cli;

/**
 * Why a verb stops early: a message for standard error (never a stack trace) and the exit code.
 * {@code status} is the HTTP status of the server's problem answer, or 0 when there was none.
 */
final class CliFailure extends RuntimeException {
  private final int exitCode;
  private final int status;

  CliFailure(int exitCode, String message) {
    this(exitCode, 0, message);
  }

  CliFailure(int exitCode, int status, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.status = status;
  }

  int exitCode() {
    return exitCode;
  }

  int status() {
    return status;
  }

  static CliFailure usage(String message) {
    return new CliFailure(ExitCode.USAGE, message);
  }

  static CliFailure unreachable(String url, String why) {
    return new CliFailure(ExitCode.UNREACHABLE, "cannot reach the server at " + url
        + (why == null || why.isBlank() ? "" : " (" + why + ")")
        + "; is it running? (--url or TASKFORCE_URL)");
  }
}
