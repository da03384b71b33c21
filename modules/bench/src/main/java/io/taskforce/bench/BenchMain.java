package io.taskforce.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./taskforce bench}: runs scenarios and writes their figures as JSON ({@code results/}),
 * {@code bench smoke} runs every scenario tiny and checks the files, {@code bench report} writes
 * the figures section of docs/benchmarks.md from the files.
 */
public final class BenchMain {
  private BenchMain() {}

  /** Every scenario, in the order {@code all} runs them. */
  static Map<String, Scenario> scenarios() {
    Map<String, Scenario> all = new LinkedHashMap<>();
    for (Scenario s : List.of(new RawLimit(), new DispatchLatency(), new DispatchToStart(),
        new CompletionToNotification(), new Throughput(), new Steering(), new Scale(), new JobRunrPeer())) {
      all.put(s.name(), s);
    }
    return all;
  }

  static Path root() {
    return Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
  }

  public static void main(String[] args) {
    String first = args.length == 0 ? "help" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    int status = switch (first) {
      case "smoke" -> new CommandLine(new SmokeCommand()).execute(rest);
      case "report" -> new CommandLine(new ReportCommand()).execute(rest);
      case "list" -> {
        scenarios().values().forEach(s -> System.out.printf("%-28s %s%n", s.name(), s.description()));
        yield 0;
      }
      case "jmh" -> {
        try {
          org.openjdk.jmh.Main.main(rest);
          yield 0;
        } catch (Exception e) {
          e.printStackTrace();
          yield 1;
        }
      }
      case "help", "-h", "--help" -> {
        new CommandLine(new RunCommand()).usage(System.out);
        yield 0;
      }
      default -> new CommandLine(new RunCommand()).execute(args);
    };
    System.exit(status);
  }

  @Command(name = "bench", sortOptions = false, description = {
      "Runs benchmark scenarios against Taskforce (and the JobRunr peer) on fresh databases, prints a table and",
      "writes the figures to a JSON file. Scenarios: raw-limit, dispatch-latency, dispatch-to-start,",
      "completion-to-notification, throughput, steering, scale, jobrunr; or all.",
      "Also: bench smoke (every scenario tiny, checks the files), bench report (docs/benchmarks.md from results/),",
      "bench list, bench jmh [JMH options]."})
  static final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "SCENARIO", description = "scenario names, or all")
    List<String> names;

    @Option(names = "--profile", description = "smoke, short or full (default: ${DEFAULT-VALUE})", defaultValue = "full")
    String profile;

    @Option(names = "--db", split = ",", description = "h2, postgres (default: both)")
    List<String> dbs = List.of("h2", "postgres");

    @Option(names = "--api", split = ",", description = "http, inprocess (default: both)")
    List<String> apis = List.of("http", "inprocess");

    @Option(names = "--duration", description = "seconds of each open-loop rate")
    Integer durationSeconds;

    @Option(names = "--rates", split = ",", description = "open-loop rates per second")
    List<Integer> rates;

    @Option(names = "--n", split = ",", description = "throughput task counts")
    List<Integer> ns;

    @Option(names = "--process-n", description = "throughput count of `process` tasks (0: none)")
    Integer processN;

    @Option(names = "--samples", description = "samples of the one-at-a-time scenarios")
    Integer samples;

    @Option(names = "--scale-n", split = ",", description = "task counts of the scale scenario")
    List<Integer> scaleNs;

    @Option(names = "--raw-rows", description = "rows the raw-limit scenario inserts")
    Integer rawRows;

    @Option(names = "--out", description = "directory of the result files (default: results/)")
    Path out;

    @Override
    public Integer call() throws Exception {
      Params params = Params.profile(profile);
      if (durationSeconds != null) params = params.withDuration(Duration.ofSeconds(durationSeconds));
      if (rates != null) params = params.withRates(rates);
      if (ns != null) params = params.withThroughputNs(ns);
      if (processN != null) params = params.withProcessN(processN);
      if (samples != null) params = params.withSamples(samples);
      if (scaleNs != null) params = params.withScaleNs(scaleNs);
      if (rawRows != null) params = params.withRawRows(rawRows);
      List<Scenario> chosen = choose(names);
      Path dir = out != null ? out : root().resolve("results");
      Outcome outcome = runAll(chosen, dbs.stream().map(Target.Db::fromWire).toList(),
          apis.stream().map(Target.Api::fromWire).toList(), params, dir);
      System.out.println(Table.render(outcome.file().figures()));
      System.out.println("bench: results in " + outcome.path());
      for (String f : outcome.file().failures()) System.out.println("bench: FAILED " + f);
      return outcome.file().failures().isEmpty() ? 0 : 1;
    }
  }

  static List<Scenario> choose(List<String> names) {
    Map<String, Scenario> all = scenarios();
    if (names.contains("all")) return List.copyOf(all.values());
    List<Scenario> chosen = new ArrayList<>();
    for (String n : names) {
      Scenario s = all.get(n);
      if (s == null) throw new CommandLine.ParameterException(new CommandLine(new RunCommand()),
          "unknown scenario '" + n + "' (known: " + String.join(", ", all.keySet()) + ", all)");
      chosen.add(s);
    }
    return chosen;
  }

  record Outcome(Results.File file, Path path) {}

  static Outcome runAll(List<Scenario> chosen, List<Target.Db> dbs, List<Target.Api> apis, Params params, Path dir)
      throws Exception {
    Run run = new Run();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    String started = Results.now();
    String commit = Results.commit(root());
    var part = new java.util.concurrent.atomic.AtomicReference<String>();
    // The file is rewritten after every figure, so that a long run stopped midway keeps what it measured.
    run.onFigure(() -> {
      List<String> notes = new ArrayList<>(run.notes());
      notes.add("incomplete: written during " + part.get() + "; what comes after it is missing unless the run finished");
      try {
        Results.write(dir, resultFile(started, commit, chosen, dbs, apis, params, run.figures(), notes, failures));
      } catch (java.io.IOException e) {
        System.err.println("bench: cannot write the partial results: " + e);
      }
    });
    for (Scenario s : chosen) {
      for (Target.Db db : dbs) {
        List<Target.Api> these = s.apis().isEmpty() ? List.of() : s.apis().stream().filter(apis::contains).toList();
        if (!s.apis().isEmpty() && these.isEmpty()) continue;
        long t0 = System.nanoTime();
        part.set(s.name() + " on " + db.wire());
        System.err.println("bench: " + s.name() + " on " + db.wire() + (these.isEmpty() ? "" : " " + these) + " ...");
        int before = run.figures().size();
        try {
          s.run(db, these, params, run);
          if (run.figures().size() == before) failures.add(s.name() + " on " + db.wire() + ": no figures");
        } catch (Exception | AssertionError e) {
          e.printStackTrace();
          failures.add(s.name() + " on " + db.wire() + ": " + e);
        }
        System.err.printf("bench: %s on %s took %.1f s%n", s.name(), db.wire(), Load.seconds(System.nanoTime() - t0));
      }
    }
    run.onFigure(() -> {});
    // The JVM measured the build of the run's start: its commit names the code, whatever was edited meanwhile.
    List<String> notes = new ArrayList<>(run.notes());
    String commitAtEnd = Results.commit(root());
    if (!commitAtEnd.equals(commit)) {
      notes.add("the tree changed while the run ran (at its end: " + commitAtEnd + "); the figures are of the build of its start");
    }
    Results.File file = resultFile(started, commit, chosen, dbs, apis, params, run.figures(), notes, failures);
    return new Outcome(file, Results.write(dir, file));
  }

  private static Results.File resultFile(String started, String commit, List<Scenario> chosen, List<Target.Db> dbs,
      List<Target.Api> apis, Params params, List<Figure> figures, List<String> notes, List<String> failures) {
    return new Results.File(Results.FORMAT, started, Results.now(), commit, Results.machine(),
        params.describe(), chosen.stream().map(Scenario::name).toList(), dbs.stream().map(Target.Db::wire).toList(),
        apis.stream().map(Target.Api::wire).toList(), List.copyOf(figures), List.copyOf(notes), List.copyOf(failures));
  }

  @Command(name = "smoke", description = {
      "Runs every scenario tiny (profile smoke) on h2 and postgres, over http and in-process, and checks that",
      "each one wrote well-formed figures. Asserts nothing about speed. Exits 1 if any scenario failed."})
  static final class SmokeCommand implements Callable<Integer> {
    @Option(names = "--db", split = ",", description = "h2, postgres (default: both)")
    List<String> dbs = List.of("h2", "postgres");

    @Option(names = "--out", description = "directory of the result file (default: a temporary one)")
    Path out;

    @Override
    public Integer call() throws Exception {
      Path dir = out != null ? out : Files.createTempDirectory("taskforce-bench-smoke-");
      List<Target.Db> databases = dbs.stream().map(Target.Db::fromWire).toList();
      Outcome outcome = runAll(List.copyOf(scenarios().values()), databases,
          List.of(Target.Api.HTTP, Target.Api.INPROCESS), Params.profile("smoke"), dir);
      System.out.println(Table.render(outcome.file().figures()));
      int passed = 0;
      int failed = 0;
      List<String> problems = Results.problems(outcome.path());
      for (Scenario s : scenarios().values()) {
        for (Target.Db db : databases) {
          boolean has = outcome.file().figures().stream()
              .anyMatch(f -> f.scenario().equals(s.name()) && f.db().equals(db.wire()));
          boolean broke = outcome.file().failures().stream().anyMatch(f -> f.startsWith(s.name() + " on " + db.wire()));
          if (has && !broke) {
            passed++;
          } else {
            failed++;
            System.out.println("bench smoke: FAILED " + s.name() + " on " + db.wire());
          }
        }
      }
      for (String p : problems) {
        failed++;
        System.out.println("bench smoke: malformed result: " + p);
      }
      System.out.println("bench smoke: results in " + outcome.path());
      System.out.println("bench smoke: " + passed + " passed, " + failed + " failed");
      return failed == 0 ? 0 : 1;
    }
  }

  @Command(name = "report", description = {
      "Rewrites the generated section of docs/benchmarks.md (between its bench:figures markers) from the",
      "result files in results/. Never edit that section by hand."})
  static final class ReportCommand implements Callable<Integer> {
    @Option(names = "--results", description = "directory of result files (default: results/)")
    Path results;

    @Option(names = "--doc", description = "the page to rewrite (default: docs/benchmarks.md)")
    Path doc;

    @Override
    public Integer call() throws Exception {
      Path dir = results != null ? results : root().resolve("results");
      Path page = doc != null ? doc : root().resolve("docs/benchmarks.md");
      int files = Report.rewrite(dir, page);
      System.out.println("bench report: " + page + " rewritten from " + files + " result file(s) in " + dir);
      return 0;
    }
  }
}
