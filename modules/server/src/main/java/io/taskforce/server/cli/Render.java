package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** How tasks, progress and results read in a terminal: short, one line each, API status words. */
final class Render {
  static final List<String> UNFINISHED = List.of("pending", "running", "paused", "input_required");
  private static final int MESSAGE_CHARS = 60;

  private Render() {}

  /** {@code t-1  running  40%  step 2}, or the question, or the error, after the status word. */
  static String statusLine(JsonNode task) {
    StringBuilder line = new StringBuilder(text(task, "id")).append("  ").append(text(task, "status"));
    String detail = detail(task);
    if (!detail.isEmpty()) line.append("  ").append(detail);
    return line.toString();
  }

  /** What a task's status line says after its status word. */
  static String detail(JsonNode task) {
    String status = text(task, "status");
    return switch (status) {
      case "input_required" -> "asks: " + text(task, "question");
      case "failed" -> error(task.path("error"));
      case "completed" -> resultSummary(task.path("result"));
      case "pending", "running", "paused" -> progress(task.path("progress"));
      default -> "";
    };
  }

  /** {@code 40%  step 2}, {@code step 2}, or nothing. */
  static String progress(JsonNode progress) {
    if (progress == null || !progress.isObject()) return "";
    Integer percent = progress.path("percent").isNumber() ? progress.get("percent").asInt() : null;
    return progress(percent, text(progress, "message"));
  }

  static String progress(Integer percent, String message) {
    String shown = shorten(oneLine(message == null ? "" : message), MESSAGE_CHARS);
    if (percent == null) return shown;
    return shown.isEmpty() ? percent + "%" : percent + "%  " + shown;
  }

  static String error(JsonNode error) {
    if (error == null || !error.isObject()) return "";
    String type = text(error, "type");
    String message = oneLine(text(error, "message"));
    return type.isEmpty() ? message : message.isEmpty() ? type : type + ": " + message;
  }

  /** A bar of {@code width} cells for {@code percent} (null: unknown, an empty bar). */
  static String bar(Integer percent, int width, boolean unicode) {
    int filled = percent == null ? 0 : Math.round(percent * width / 100f);
    String full = unicode ? "█" : "#";
    String empty = unicode ? "░" : ".";
    return "[" + full.repeat(filled) + empty.repeat(width - filled) + "]";
  }

  /** A session's counts, the non-zero ones: {@code 1 running, 3 completed}. */
  static String counts(JsonNode counts) {
    List<String> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = counts.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().asLong() > 0) parts.add(e.getValue().asLong() + " " + e.getKey());
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  /** A result in one short line (for lists and the watch). */
  static String resultSummary(JsonNode result) {
    if (result == null || result.isMissingNode() || result.isNull()) return "";
    String text = resultText(result);
    if (text != null) {
      // The last line that is not a directive (::progress, ::ask) says it best.
      String[] lines = text.strip().split("\n");
      String last = "";
      for (int i = lines.length - 1; i >= 0 && last.isEmpty(); i--) {
        if (!lines[i].startsWith("::")) last = lines[i].strip();
      }
      return shorten(last, MESSAGE_CHARS);
    }
    return shorten(result.toString(), MESSAGE_CHARS);
  }

  /**
   * The text a person wants from a result, when its shape is a known one: the process executor's
   * {@code {exitCode, stdoutTail}} or the openai executor's {@code {text, finishReason, usage}};
   * otherwise null (print the JSON).
   */
  static String resultText(JsonNode result) {
    if (result == null || !result.isObject()) return result != null && result.isTextual() ? result.asText() : null;
    List<String> names = new ArrayList<>();
    result.fieldNames().forEachRemaining(names::add);
    if (result.path("stdoutTail").isTextual() && List.of("exitCode", "stdoutTail").containsAll(names)) {
      return result.get("stdoutTail").asText();
    }
    if (result.path("text").isTextual() && List.of("text", "finishReason", "usage").containsAll(names)) {
      return result.get("text").asText();
    }
    return null;
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value == null || value.isNull() ? "" : value.asText();
  }

  static String oneLine(String s) {
    return s.replace('\r', ' ').replace('\n', ' ').strip();
  }

  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
