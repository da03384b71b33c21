package io.taskforce.examples;

import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskView;

/** One plain terminal line per feed event or task, shared by the examples. */
public final class FeedLines {
  private static final int MAX_RESULT_CHARS = 90;

  private FeedLines() {}

  /**
   * {@code [feed #3]  task.started     t-…  "Write the tests"}; a live progress tick shows a bar
   * and the executor's message instead of a number.
   */
  public static String format(FeedEvent event) {
    String where = event.durable() ? "[feed #" + event.seq() + "]" : "[live]";
    StringBuilder line = new StringBuilder(String.format("%-10s %-16s %s  \"%s\"",
        where, event.type().wire(), event.taskId(), event.title()));
    if (event.type() == FeedEventType.PROGRESS && event.progress() != null) {
      line.append("  ").append(progress(event.progress()));
    }
    if (event.type() == FeedEventType.INPUT_REQUIRED) line.append("  asks: ").append(event.question());
    if (event.type() == FeedEventType.COMPLETED && event.result() != null) {
      line.append("  -> ").append(shorten(event.result().toString()));
    }
    if (event.type() == FeedEventType.FAILED && event.error() != null) {
      line.append("  ").append(event.error().type().wire()).append(": ").append(event.error().message());
    }
    return line.toString();
  }

  /** {@code t-…  completed   "Write the tests"  -> {...}}: a task as a list shows it. */
  public static String format(TaskView task) {
    StringBuilder line = new StringBuilder(String.format("%-24s %-10s \"%s\"", task.id(), task.status().wire(), task.title()));
    if (task.result() != null) line.append("  -> ").append(shorten(task.result().toString()));
    if (task.error() != null) line.append("  ").append(task.error().type().wire()).append(": ").append(task.error().message());
    return line.toString();
  }

  /** {@code [####------]  40%  step 4 of 10}. */
  public static String progress(Progress progress) {
    String message = progress.message() == null ? "" : "  " + progress.message();
    if (progress.percent() == null) return "[    ?     ]" + message;
    int filled = progress.percent() / 10;
    return "[" + "#".repeat(filled) + "-".repeat(10 - filled) + "] "
        + String.format("%3d%%", progress.percent()) + message;
  }

  private static String shorten(String text) {
    return text.length() <= MAX_RESULT_CHARS ? text : text.substring(0, MAX_RESULT_CHARS - 3) + "...";
  }
}
