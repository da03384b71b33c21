package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run's result file: what ran, on what, with which sizes, and every figure. */
public final class Results {
  private Results() {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final int FORMAT = 1;

  /** The file as written; {@code figures} as {@link Figure} records. */
  public record File(int format, String startedAt, String finishedAt, String commit, Map<String, Object> machine,
      Map<String, Object> params, List<String> scenarios, List<String> dbs, List<String> apis, List<Figure> figures,
      List<String> notes, List<String> failures) {}

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    var os = ManagementFactory.getOperatingSystemMXBean();
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + os.getArch());
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      m.put("memoryBytes", sun.getTotalMemorySize());
    }
    m.put("loadAverageAtStart", os.getSystemLoadAverage());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
    return m;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return "unknown";
  }

  static String commit(Path root) {
    try {
      Process p = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "HEAD").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0) return "unknown";
      Process dirty = new ProcessBuilder("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no")
          .redirectErrorStream(true).start();
      String changes = new String(dirty.getInputStream().readAllBytes()).trim();
      dirty.waitFor();
      return changes.isEmpty() ? out : out + "+changes";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }

  static Path write(Path dir, File file) throws IOException {
    Files.createDirectories(dir);
    String stamp = file.startedAt().replace(":", "").replace("-", "").replaceAll("\\..*", "");
    Path path = dir.resolve("bench-" + file.params().get("profile") + "-" + stamp + ".json");
    JSON.writeValue(path.toFile(), file);
    return path;
  }

  static File read(Path path) throws IOException {
    return JSON.readValue(path.toFile(), File.class);
  }

  /**
   * What is wrong with a result file, if anything: each figure has every field, a finite value
   * that is not negative, a known stat and at least one sample. Says nothing of speed.
   */
  static List<String> problems(Path path) {
    List<String> problems = new ArrayList<>();
    try {
      JsonNode tree = JSON.readTree(path.toFile());
      for (String field : List.of("format", "startedAt", "finishedAt", "commit", "machine", "params", "figures")) {
        if (!tree.has(field)) problems.add("missing " + field);
      }
      File file = read(path);
      if (file.figures().isEmpty()) problems.add("no figures");
      for (Figure f : file.figures()) {
        if (f.scenario() == null || f.system() == null || f.db() == null || f.api() == null || f.metric() == null
            || f.unit() == null || f.bound() == null) {
          problems.add("a figure lacks a field: " + f);
        } else if (!List.of("p50", "p90", "p99", "p999", "max", "value").contains(f.stat())) {
          problems.add("unknown stat: " + f);
        } else if (Double.isNaN(f.value()) || Double.isInfinite(f.value()) || f.value() < 0) {
          problems.add("not a finite, non-negative value: " + f);
        } else if (f.samples() < 1) {
          problems.add("no samples: " + f);
        }
      }
    } catch (IOException e) {
      problems.add("unreadable: " + e.getMessage());
    }
    return problems;
  }

  static String now() {
    return Instant.now().toString();
  }
}
