package io.taskforce.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/** The figures a run collects, with helpers for the usual shapes of them. */
public final class Run {
  private final List<Figure> figures = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  private volatile Runnable onFigure = () -> {};

  public void add(Figure f) {
    synchronized (this) {
      figures.add(f);
    }
    onFigure.run();
  }

  /** Runs after each figure is added (the harness keeps the run's file current with it). */
  public void onFigure(Runnable action) {
    this.onFigure = action;
  }

  public synchronized void note(String note) {
    notes.add(note);
    System.err.println("bench: " + note);
  }

  public synchronized List<Figure> figures() {
    return List.copyOf(figures);
  }

  public synchronized List<String> notes() {
    return List.copyOf(notes);
  }

  /** p50, p90, p99 and max of a histogram of nanoseconds, in milliseconds. */
  public void latencies(String scenario, String system, String db, String api, String metric, Histogram ns,
      String bound, String... stats) {
    String[] wanted = stats.length == 0 ? new String[] {"p50", "p90", "p99", "max"} : stats;
    for (String stat : wanted) {
      long v = switch (stat) {
        case "p50" -> ns.getValueAtPercentile(50);
        case "p90" -> ns.getValueAtPercentile(90);
        case "p99" -> ns.getValueAtPercentile(99);
        case "p999" -> ns.getValueAtPercentile(99.9);
        case "max" -> ns.getMaxValue();
        default -> throw new IllegalArgumentException(stat);
      };
      add(new Figure(scenario, system, db, api, metric, stat, v / 1e6, "ms", ns.getTotalCount(), bound));
    }
  }

  public void value(String scenario, String system, String db, String api, String metric, double value, String unit,
      long samples, String bound) {
    add(new Figure(scenario, system, db, api, metric, "value", value, unit, samples, bound));
  }

  /** A histogram for latencies of up to an hour in nanoseconds, three significant digits. */
  public static Histogram histogram() {
    return new Histogram(3_600_000_000_000L, 3);
  }
}
