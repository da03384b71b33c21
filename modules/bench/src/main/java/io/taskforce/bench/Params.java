package io.taskforce.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sizes of a run. Three profiles: {@code smoke} (every scenario tiny, for CI: checks that each
 * produces well-formed results, never how fast), {@code short} (a sanity run: 10 s, N = 2,000) and
 * {@code full} (the figures the issue asks for: 30 s, N = 10,000 and 100,000). Options override a
 * profile's values one by one.
 */
public record Params(
    String profile,
    Duration duration,
    List<Integer> rates,
    List<Integer> throughputNs,
    int processN,
    int samples,
    List<Integer> scaleNs,
    int rawRows,
    int sessions) {

  public static Params profile(String name) {
    return switch (name) {
      case "smoke" -> new Params("smoke", Duration.ofSeconds(2), List.of(50), List.of(100), 20, 5, List.of(200), 2_000, 8);
      case "short" -> new Params("short", Duration.ofSeconds(10), List.of(100, 500, 1000), List.of(2_000), 500, 50,
          List.of(2_000), 50_000, 64);
      case "full" -> new Params("full", Duration.ofSeconds(30), List.of(100, 500, 1000), List.of(10_000, 100_000),
          10_000, 200, List.of(10_000, 100_000), 500_000, 64);
      default -> throw new IllegalArgumentException("unknown profile '" + name + "' (smoke, short, full)");
    };
  }

  public boolean smoke() {
    return profile.equals("smoke");
  }

  /** No-op tasks run through a node before a latency scenario measures it (see Load#warmUpJit). */
  public int jitWarmUpTasks() {
    return switch (profile) {
      case "full" -> 5_000;
      case "short" -> 2_000;
      default -> 0;
    };
  }

  public Params withDuration(Duration d) {
    return new Params(profile, d, rates, throughputNs, processN, samples, scaleNs, rawRows, sessions);
  }

  public Params withRates(List<Integer> r) {
    return new Params(profile, duration, r, throughputNs, processN, samples, scaleNs, rawRows, sessions);
  }

  public Params withThroughputNs(List<Integer> n) {
    return new Params(profile, duration, rates, n, processN, samples, scaleNs, rawRows, sessions);
  }

  public Params withProcessN(int n) {
    return new Params(profile, duration, rates, throughputNs, n, samples, scaleNs, rawRows, sessions);
  }

  public Params withSamples(int n) {
    return new Params(profile, duration, rates, throughputNs, processN, n, scaleNs, rawRows, sessions);
  }

  public Params withScaleNs(List<Integer> n) {
    return new Params(profile, duration, rates, throughputNs, processN, samples, n, rawRows, sessions);
  }

  public Params withRawRows(int n) {
    return new Params(profile, duration, rates, throughputNs, processN, samples, scaleNs, n, sessions);
  }

  /** As written into each result file, so the report can say what sizes a figure came from. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("profile", profile);
    m.put("durationSeconds", duration.toMillis() / 1000.0);
    m.put("rates", rates);
    m.put("throughputNs", throughputNs);
    m.put("processN", processN);
    m.put("samples", samples);
    m.put("scaleNs", scaleNs);
    m.put("rawRows", rawRows);
    m.put("sessions", sessions);
    return m;
  }
}
