package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * How {@code watch} shows what happens: {@link Plain} lines (not a terminal, or {@code --plain}),
 * {@link Live} a redrawn block of progress bars in a terminal, or {@link Json} the feed's events.
 */
abstract class WatchView {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  static final int WORD_WIDTH = "input_required".length();

  final PrintStream out;

  WatchView(PrintStream out) {
    this.out = out;
  }

  /** The stream is open (the first time). */
  abstract void connected(String sessionId);

  /** The state once the past is read: the unfinished tasks. */
  abstract void snapshot(WatchModel model);

  /** A new event, after the model took it in. */
  abstract void event(JsonNode event, String data, WatchModel.Row row, WatchModel model);

  /** Nothing new for a while (or many events at once): a chance to redraw. */
  void refresh(WatchModel model) {}

  /** No task of the session is unfinished ({@code --until-idle}). */
  abstract void idle(WatchModel model);

  static String idleLine() {
    return clock(null) + "  idle: no unfinished task";
  }

  /** {@code 12:00:03  t-1  completed       hi}. */
  static String line(String at, String taskId, String word, String detail) {
    String text = clock(at) + "  " + taskId + "  " + pad(word, WORD_WIDTH) + "  " + detail;
    return text.stripTrailing();
  }

  /** The event's own word and detail: {@code progress  40%  step 2}. */
  static String[] describe(JsonNode event, WatchModel.Row row) {
    String type = Render.text(event, "type");
    String word = type.startsWith("task.") ? type.substring("task.".length()) : type;
    String detail = switch (word) {
      case "dispatched", "started" -> row.title;
      case "progress" -> Render.progress(event.path("progress"));
      case "input_required" -> "asks: " + Render.oneLine(Render.text(event, "question"));
      case "resumed" -> Render.text(event, "status");
      case "completed" -> Render.resultSummary(event.path("result"));
      case "failed" -> Render.error(event.path("error"));
      default -> "";
    };
    return new String[] {word, detail};
  }

  static String clock(String at) {
    Instant instant;
    try {
      instant = at == null || at.isEmpty() ? Instant.now() : Instant.parse(at);
    } catch (DateTimeParseException e) {
      instant = Instant.now();
    }
    return LocalTime.ofInstant(instant, ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS).format(CLOCK);
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  /** One line per event, and one per unfinished task when the watch begins. */
  static final class Plain extends WatchView {
    Plain(PrintStream out) {
      super(out);
    }

    @Override
    void connected(String sessionId) {
      out.println("watching session " + sessionId);
      out.flush();
    }

    @Override
    void snapshot(WatchModel model) {
      for (WatchModel.Row row : model.unfinished()) {
        String detail = row.status.equals("input_required") ? "asks: " + row.question
            : Render.progress(row.percent, row.message);
        out.println(line(null, row.id, row.status, detail));
      }
      out.flush();
    }

    @Override
    void event(JsonNode event, String data, WatchModel.Row row, WatchModel model) {
      String[] described = describe(event, row);
      if (described[0].equals("progress") && !row.unfinished()) return; // a late progress after the end
      out.println(line(Render.text(event, "at"), row.id, described[0], described[1]));
      out.flush();
    }

    @Override
    void idle(WatchModel model) {
      out.println(idleLine());
      out.flush();
    }
  }

  /** The feed's events as the server sent them, one JSON object a line. */
  static final class Json extends WatchView {
    Json(PrintStream out) {
      super(out);
    }

    @Override
    void connected(String sessionId) {}

    @Override
    void snapshot(WatchModel model) {}

    @Override
    void event(JsonNode event, String data, WatchModel.Row row, WatchModel model) {
      out.println(data.replace('\n', ' '));
      out.flush();
    }

    @Override
    void idle(WatchModel model) {}
  }
}
