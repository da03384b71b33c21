package io.taskforce.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The result file's round trip, its checks, and the report's rewriting of its marked section only. No timing. */
class ReportTest {

  private static Results.File file(String startedAt, String profile, List<Figure> figures) {
    return new Results.File(Results.FORMAT, startedAt, startedAt, "abc123", Map.of("cores", 2, "cpu", "test"),
        Params.profile(profile).describe(), List.of("throughput", "raw-limit", "jobrunr"), List.of("h2"),
        List.of("inprocess"), figures, List.of(), List.of());
  }

  private static final List<Figure> FIGURES = List.of(
      new Figure("throughput", "taskforce", "h2", "inprocess", "noop N=100 tasks/s", "value", 200, "tasks/s", 100, "b"),
      new Figure("throughput", "taskforce", "h2", "inprocess", "noop N=100 journal rows/s", "value", 2000, "rows/s", 100, "b"),
      new Figure("raw-limit", "raw-jdbc", "h2", "jdbc", "journal-sized inserts rows/s", "value", 20000, "rows/s", 3200, "b"),
      new Figure("jobrunr", "jobrunr", "h2", "inprocess", "noop N=100 tasks/s", "value", 50, "tasks/s", 100, "b"),
      new Figure("dispatch-latency", "taskforce", "h2", "inprocess", "dispatch@50/s", "p99", 12.5, "ms", 100, "b"));

  @Test
  void aResultFileRoundTripsAndPassesItsChecks(@TempDir Path dir) throws Exception {
    Path path = Results.write(dir, file("2026-12-04T10:00:00Z", "smoke", FIGURES));
    assertEquals(List.of(), Results.problems(path));
    assertEquals(FIGURES, Results.read(path).figures());
  }

  @Test
  void aMalformedFigureIsReported(@TempDir Path dir) throws Exception {
    List<Figure> bad = List.of(new Figure("x", "taskforce", "h2", "http", "m", "p42", Double.NaN, "ms", 0, "b"));
    Path path = Results.write(dir, file("2026-12-04T10:00:00Z", "smoke", bad));
    assertTrue(!Results.problems(path).isEmpty());
  }

  @Test
  void theReportRewritesOnlyItsSectionAndShowsTheRatios(@TempDir Path dir) throws Exception {
    Path results = Files.createDirectories(dir.resolve("results"));
    Results.write(results, file("2026-12-04T10:00:00Z", "short", FIGURES));
    Path page = dir.resolve("benchmarks.md");
    Files.writeString(page, "# Benchmarks\n\nkept above\n\n" + Report.BEGIN + "\nold figures\n" + Report.END + "\n\nkept below\n");
    assertEquals(1, Report.rewrite(results, page));
    String text = Files.readString(page);
    assertTrue(text.startsWith("# Benchmarks\n\nkept above\n"), text);
    assertTrue(text.endsWith("\nkept below\n"), text);
    assertTrue(!text.contains("old figures"), text);
    assertTrue(text.contains("Not the figures of record"), text);
    assertTrue(text.contains("| h2 | throughput noop N=100 tasks/s (higher is better) | 200 | 50 | tasks/s | 4.00 |"), text);
    assertTrue(text.contains("vs the raw limit | 2,000 | 20,000 | rows/s | 0.100 |"), text);
    // Generated twice from the same files: the same page.
    Report.rewrite(results, page);
    assertEquals(text, Files.readString(page));
  }
}
