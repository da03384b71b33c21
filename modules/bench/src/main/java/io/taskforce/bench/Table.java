package io.taskforce.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of a run as a plain-text table: one row per (scenario, system, target, metric). */
final class Table {
  private Table() {}

  static String render(List<Figure> figures) {
    Map<String, Map<String, Figure>> rows = new LinkedHashMap<>();
    List<String> stats = List.of("p50", "p90", "p99", "max", "value");
    for (Figure f : figures) {
      String row = f.scenario() + "\t" + f.system() + "\t" + f.db() + "/" + f.api() + "\t" + f.metric();
      rows.computeIfAbsent(row, k -> new LinkedHashMap<>()).put(f.stat(), f);
    }
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"scenario", "system", "target", "metric", "p50", "p90", "p99", "max", "value", "unit", "n"});
    for (var e : rows.entrySet()) {
      String[] key = e.getKey().split("\t");
      Figure any = e.getValue().values().iterator().next();
      String[] line = new String[11];
      System.arraycopy(key, 0, line, 0, 4);
      for (int i = 0; i < stats.size(); i++) {
        Figure f = e.getValue().get(stats.get(i));
        line[4 + i] = f == null ? "" : format(f.value());
      }
      line[9] = any.unit();
      line[10] = Long.toString(any.samples());
      lines.add(line);
    }
    int[] widths = new int[11];
    for (String[] l : lines) for (int i = 0; i < l.length; i++) widths[i] = Math.max(widths[i], l[i].length());
    StringBuilder out = new StringBuilder();
    for (String[] l : lines) {
      for (int i = 0; i < l.length; i++) {
        boolean number = i >= 4 && i != 9;
        String cell = number ? pad(l[i], widths[i], true) : pad(l[i], widths[i], false);
        out.append(cell).append(i + 1 < l.length ? "  " : "");
      }
      out.append('\n');
    }
    return out.toString();
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e12) return String.format(Locale.ROOT, "%,d", (long) v);
    if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%,.0f", v);
    if (Math.abs(v) >= 10) return String.format(Locale.ROOT, "%.1f", v);
    if (Math.abs(v) >= 1) return String.format(Locale.ROOT, "%.2f", v);
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String pad(String s, int w, boolean right) {
    String fill = " ".repeat(Math.max(0, w - s.length()));
    return right ? fill + s : s + fill;
  }
}
