package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Waiting for a task's end with {@code GET /v1/tasks/{tid}/result?waitSeconds=}, in waits of at most
 * 60 s (what the API allows), and printing the result the way {@code result} does.
 */
final class ResultWait {
  static final long MAX_SERVER_WAIT = 60;
  /** A total wait that never ends. */
  static final long FOREVER = -1;

  private ResultWait() {}

  /** The task once final, or as it is when {@code totalSeconds} ran out (0: no wait, FOREVER). */
  static Api.Reply await(Api api, String taskId, long totalSeconds) {
    String path = "/v1/tasks/" + Api.seg(taskId) + "/result?waitSeconds=";
    long deadline = totalSeconds == FOREVER ? Long.MAX_VALUE : System.nanoTime() + totalSeconds * 1_000_000_000L;
    while (true) {
      long remaining = totalSeconds == FOREVER ? MAX_SERVER_WAIT
          : (long) Math.ceil(Math.max(0, deadline - System.nanoTime()) / 1e9);
      long wait = Math.min(MAX_SERVER_WAIT, remaining);
      Api.Reply reply = api.getWaiting(path + wait, Duration.ofSeconds(wait));
      if (reply.status() == 200 || wait == 0 || isFinal(reply.json())) return reply;
      if (totalSeconds != FOREVER && System.nanoTime() >= deadline) return reply;
    }
  }

  static boolean isFinal(JsonNode task) {
    String status = Render.text(task, "status");
    return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
  }

  /**
   * Prints the task's outcome and answers the exit code: the result (its text for the known shapes,
   * else its JSON) and 0 when completed; a status line and 1 when failed or cancelled; a status line
   * and 5 when still unfinished.
   */
  static int print(Api.Reply reply, boolean json, PrintStream out) throws Exception {
    JsonNode task = reply.json();
    if (json) {
      out.println(reply.body());
    }
    switch (Render.text(task, "status")) {
      case "completed" -> {
        if (!json) printResult(task.path("result"), out);
        return ExitCode.OK;
      }
      case "failed", "cancelled" -> {
        if (!json) out.println(Render.statusLine(task));
        return ExitCode.FAILED;
      }
      default -> {
        if (!json) out.println(Render.statusLine(task));
        return ExitCode.UNFINISHED;
      }
    }
  }

  private static void printResult(JsonNode result, PrintStream out) throws Exception {
    String text = Render.resultText(result);
    if (text == null) {
      out.println(Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    } else if (!text.isEmpty()) {
      out.print(text.endsWith("\n") ? text : text + "\n");
    }
  }
}
