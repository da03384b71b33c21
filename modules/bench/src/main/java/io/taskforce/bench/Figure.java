package io.taskforce.bench;

/**
 * One measured figure of one run.
 *
 * @param scenario the scenario that measured it
 * @param system   {@code taskforce}, {@code jobrunr} or {@code raw-jdbc}
 * @param db       {@code h2} or {@code postgres}
 * @param api      {@code http}, {@code inprocess}, or {@code jdbc} for the raw limit
 * @param metric   what was measured, with its case (e.g. {@code dispatch@500/s})
 * @param stat     {@code p50}, {@code p90}, {@code p99}, {@code max}, {@code mean} or {@code value}
 * @param value    the figure, in {@code unit}
 * @param unit     {@code ms}, {@code tasks/s}, {@code rows/s}, {@code bytes}, {@code s}, {@code rows}
 * @param samples  how many samples the figure summarises (1 for a single measurement)
 * @param bound    what bounds it, as far as the harness knows
 */
public record Figure(
    String scenario,
    String system,
    String db,
    String api,
    String metric,
    String stat,
    double value,
    String unit,
    long samples,
    String bound) {

  public String key() {
    return scenario + "|" + system + "|" + db + "|" + api + "|" + metric + "|" + stat;
  }
}
