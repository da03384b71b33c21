package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code watch} in a terminal: a block at the bottom with one progress bar per unfinished task,
 * redrawn in place (at most ten times a second); a line above it whenever a task finishes or asks
 * a question, so those stay in the scrollback.
 */
final class LiveView extends WatchView {
  private static final Set<String> LOGGED = Set.of("input_required", "completed", "failed", "cancelled");
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR_WIDTH = 20;

  private final boolean unicode;
  private final int width;
  private String sessionId = "";
  private int blockLines;
  private long lastDraw;
  private boolean dirty;

  LiveView(PrintStream out) {
    super(out);
    this.unicode = utf8Terminal();
    this.width = columns();
  }

  @Override
  void connected(String sessionId) {
    this.sessionId = sessionId;
  }

  @Override
  void snapshot(WatchModel model) {
    redraw(model, List.of());
  }

  @Override
  void event(JsonNode event, String data, WatchModel.Row row, WatchModel model) {
    String[] described = describe(event, row);
    if (LOGGED.contains(described[0])) {
      redraw(model, List.of(line(Render.text(event, "at"), row.id, described[0], described[1])));
    } else {
      dirty = true;
      if (System.nanoTime() - lastDraw >= REDRAW_NANOS) redraw(model, List.of());
    }
  }

  @Override
  void refresh(WatchModel model) {
    if (dirty) redraw(model, List.of());
  }

  @Override
  void idle(WatchModel model) {
    redraw(model, List.of(idleLine()));
  }

  private void redraw(WatchModel model, List<String> logLines) {
    StringBuilder screen = new StringBuilder();
    if (blockLines > 0) screen.append("\033[").append(blockLines).append("F\033[J");
    for (String log : logLines) screen.append(fit(log)).append('\n');
    List<String> block = new ArrayList<>();
    block.add("session " + sessionId + " · " + model.summary());
    for (WatchModel.Row row : model.unfinished()) block.add(fit(row(row)));
    for (String line : block) screen.append(fit(line)).append('\n');
    blockLines = block.size();
    out.print(screen);
    out.flush();
    lastDraw = System.nanoTime();
    dirty = false;
  }

  private String row(WatchModel.Row row) {
    String percent = row.percent == null ? "    " : String.format(Locale.ROOT, "%3d%%", row.percent);
    String detail = row.status.equals("input_required") ? "asks: " + row.question : row.message;
    String title = row.title.isEmpty() ? "" : "  · " + Render.oneLine(row.title);
    return "  " + row.id + "  " + pad(row.status, WORD_WIDTH) + "  " + Render.bar(row.percent, BAR_WIDTH, unicode)
        + " " + percent + "  " + detail + title;
  }

  private String fit(String line) {
    return line.length() < width ? line : line.substring(0, Math.max(1, width - 2)) + (unicode ? "…" : ">");
  }

  private static boolean utf8Terminal() {
    for (String name : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
      String value = System.getenv(name);
      if (value != null && !value.isEmpty()) return value.toUpperCase(Locale.ROOT).replace("-", "").contains("UTF8");
    }
    return false;
  }

  private static int columns() {
    try {
      int columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
      return columns >= 40 ? columns : 100;
    } catch (NumberFormatException e) {
      return 100;
    }
  }
}
