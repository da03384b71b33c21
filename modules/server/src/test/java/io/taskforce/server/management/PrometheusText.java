package io.taskforce.server.management;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format, version 0.0.4: it refuses anything the
 * format does not allow (a bad name, label or value, an unescaped character, a TYPE after its
 * samples or twice, a family split in two groups, a series twice, a histogram whose buckets are not
 * cumulative or disagree with its count), so a test can trust what it reads.
 */
final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its TYPE, its HELP, and its samples in order. */
  record Family(String name, String type, String help, List<Sample> samples) {}

  final Map<String, Family> families = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();

  private PrometheusText() {}

  static PrometheusText parse(String text) {
    PrometheusText parsed = new PrometheusText();
    parsed.read(text);
    parsed.checkHistograms();
    return parsed;
  }

  /** The samples named {@code name} whose labels include {@code labels}. */
  List<Sample> find(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  // ---------------------------------------------------------------------------------------------

  private final Map<String, String> types = new HashMap<>();
  private final Map<String, String> helps = new HashMap<>();
  private final Set<String> closedFamilies = new HashSet<>();
  private final Set<String> series = new HashSet<>();
  private String currentFamily;

  private void read(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) throw fail(0, "the last line does not end with a line feed");
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      int n = i + 1;
      if (line.contains("\r")) throw fail(n, "a carriage return");
      if (line.isBlank()) continue;
      if (line.startsWith("#")) {
        comment(n, line);
      } else {
        sample(n, line);
      }
    }
  }

  private void comment(int n, String line) {
    String[] parts = line.split(" ", 4);
    if (parts.length < 3 || !parts[0].equals("#") || !(parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
      return; // an ordinary comment
    }
    String name = parts[2];
    if (!METRIC_NAME.matcher(name).matches()) throw fail(n, "bad metric name '" + name + "'");
    enterFamily(n, name);
    if (parts[1].equals("TYPE")) {
      if (parts.length != 4 || !TYPES.contains(parts[3])) throw fail(n, "bad TYPE line");
      if (types.containsKey(name)) throw fail(n, "a second TYPE for " + name);
      if (families.containsKey(name) && !families.get(name).samples().isEmpty()) {
        throw fail(n, "TYPE of " + name + " after its samples");
      }
      types.put(name, parts[3]);
    } else {
      if (helps.containsKey(name)) throw fail(n, "a second HELP for " + name);
      String help = parts.length == 4 ? parts[3] : "";
      checkEscapes(n, help, false);
      helps.put(name, help);
    }
    families.computeIfAbsent(name, k -> new Family(k, null, null, new ArrayList<>()));
  }

  private void sample(int n, String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
    String name = line.substring(0, i);
    if (!METRIC_NAME.matcher(name).matches()) throw fail(n, "bad metric name '" + name + "'");
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) throw fail(n, "unterminated labels");
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (i < line.length() && line.charAt(i) != '=') i++;
        String label = line.substring(start, i);
        if (!LABEL_NAME.matcher(label).matches()) throw fail(n, "bad label name '" + label + "'");
        if (label.startsWith("__")) throw fail(n, "reserved label name '" + label + "'");
        if (i + 1 >= line.length() || line.charAt(i + 1) != '"') throw fail(n, "label value not quoted");
        i += 2;
        StringBuilder value = new StringBuilder();
        while (true) {
          if (i >= line.length()) throw fail(n, "unterminated label value");
          char c = line.charAt(i);
          if (c == '"') break;
          if (c == '\\') {
            if (i + 1 >= line.length()) throw fail(n, "dangling escape");
            char e = line.charAt(i + 1);
            if (e == '\\') value.append('\\');
            else if (e == '"') value.append('"');
            else if (e == 'n') value.append('\n');
            else throw fail(n, "bad escape \\" + e);
            i += 2;
          } else {
            value.append(c);
            i++;
          }
        }
        i++; // the closing quote
        if (labels.put(label, value.toString()) != null) throw fail(n, "label " + label + " twice");
        if (i < line.length() && line.charAt(i) == ',') i++;
        else if (i >= line.length() || line.charAt(i) != '}') throw fail(n, "expected ',' or '}'");
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') throw fail(n, "no value");
    String[] rest = line.substring(i + 1).split(" ", -1);
    if (rest.length < 1 || rest.length > 2) throw fail(n, "expected a value and at most a timestamp");
    double value = number(n, rest[0]);
    if (rest.length == 2) {
      try {
        Long.parseLong(rest[1]);
      } catch (NumberFormatException e) {
        throw fail(n, "bad timestamp '" + rest[1] + "'");
      }
    }
    String family = familyOf(name);
    enterFamily(n, family);
    String key = name + labels;
    if (!series.add(key)) throw fail(n, "series twice: " + key);
    Sample sample = new Sample(name, Map.copyOf(labels), value);
    samples.add(sample);
    families.computeIfAbsent(family, k -> new Family(k, null, null, new ArrayList<>())).samples().add(sample);
  }

  /** The family a sample belongs to: its own name, or the histogram/summary it is a part of. */
  private String familyOf(String name) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String type = types.get(base);
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) return base;
      }
    }
    return name;
  }

  /** A family's lines come as one group: once another family began, it cannot come back. */
  private void enterFamily(int n, String family) {
    if (family.equals(currentFamily)) return;
    if (closedFamilies.contains(family)) throw fail(n, "the lines of " + family + " are not one group");
    if (currentFamily != null) closedFamilies.add(currentFamily);
    currentFamily = family;
  }

  private static double number(int n, String text) {
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        if (!text.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?")) throw fail(n, "bad value '" + text + "'");
        return Double.parseDouble(text);
    }
  }

  private static void checkEscapes(int n, String text, boolean quotes) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\\') {
        if (i + 1 >= text.length()) throw fail(n, "dangling escape");
        char e = text.charAt(i + 1);
        if (e != '\\' && e != 'n' && !(quotes && e == '"')) throw fail(n, "bad escape \\" + e);
        i++;
      }
    }
  }

  private void checkHistograms() {
    Map<String, Family> typed = new LinkedHashMap<>();
    families.forEach((name, family) -> typed.put(name,
        new Family(name, types.get(name), helps.get(name), family.samples())));
    families.clear();
    families.putAll(typed);
    for (Family family : families.values()) {
      if (!"histogram".equals(family.type())) continue;
      Map<Map<String, String>, List<Sample>> bucketsBySeries = new HashMap<>();
      Map<Map<String, String>, Double> counts = new HashMap<>();
      for (Sample s : family.samples()) {
        if (s.name().equals(family.name() + "_bucket")) {
          if (!s.labels().containsKey("le")) throw new AssertionError("a bucket without le: " + s);
          Map<String, String> rest = new TreeMap<>(s.labels());
          rest.remove("le");
          bucketsBySeries.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
        } else if (s.name().equals(family.name() + "_count")) {
          counts.put(new TreeMap<>(s.labels()), s.value());
        } else if (!s.name().equals(family.name() + "_sum")) {
          throw new AssertionError("histogram " + family.name() + " has a sample " + s.name());
        }
      }
      bucketsBySeries.forEach((labels, buckets) -> {
        double previousLe = Double.NEGATIVE_INFINITY;
        double previousCount = 0;
        for (Sample b : buckets) {
          double le = number(0, b.labels().get("le"));
          if (!(le > previousLe)) throw new AssertionError("buckets of " + family.name() + " not in le order");
          if (b.value() < previousCount) throw new AssertionError("buckets of " + family.name() + " not cumulative");
          previousLe = le;
          previousCount = b.value();
        }
        if (previousLe != Double.POSITIVE_INFINITY) throw new AssertionError(family.name() + " has no +Inf bucket");
        Double count = counts.get(labels);
        if (count == null || count != previousCount) {
          throw new AssertionError(family.name() + labels + ": +Inf bucket " + previousCount + " but count " + count);
        }
      });
    }
  }

  private static AssertionError fail(int line, String why) {
    return new AssertionError("not the Prometheus text format, line " + line + ": " + why);
  }
}
