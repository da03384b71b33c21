package io.taskforce.executors.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.api.ErrorType;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.TaskFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One attempt of a {@code process} task: from the spawn to the outcome. */
final class ProcessAttempt {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROGRESS = Pattern.compile("::progress\\s+(\\d{1,3})(?:\\s+(.*))?");
  private static final String ASK = "::ask ";
  private static final int MESSAGE_CHARS = 200;
  private static final int STDOUT_TAIL_BYTES = 4096;
  private static final int STDERR_TAIL_BYTES = 2048;

  private final AttemptContext context;
  private final ProcessInput input;
  private final ProcessExecutor.Settings settings;
  private final ProcessGroups groups;
  private final ExecutorService readers;
  private final ScheduledExecutorService timers;
  private final CompletableFuture<JsonNode> outcome;
  private final TailBytes stdoutTail = new TailBytes(STDOUT_TAIL_BYTES);
  private final TailBytes stderrTail = new TailBytes(STDERR_TAIL_BYTES);
  private volatile Integer lastPercent;

  ProcessAttempt(AttemptContext context, ProcessInput input, ProcessExecutor.Settings settings, ProcessGroups groups,
      ExecutorService readers, ScheduledExecutorService timers, CompletableFuture<JsonNode> outcome) {
    this.context = context;
    this.input = input;
    this.settings = settings;
    this.groups = groups;
    this.readers = readers;
    this.timers = timers;
    this.outcome = outcome;
  }

  void run() throws Exception {
    if (context.isCancelled()) throw new AttemptCancelledException();
    Path attemptDir = settings.dataDir().resolve("work").resolve(context.tenant()).resolve(context.taskId())
        .resolve("attempt-" + context.attempt());
    Files.createDirectories(attemptDir);
    Path resultFile = attemptDir.resolve("result.json");
    Files.deleteIfExists(resultFile);

    GitWorktree worktree = input.gitWorktree()
        ? GitWorktree.create(Path.of(input.cwd()), settings.dataDir().resolve("worktrees"), context)
        : null;
    Path workDir = worktree != null ? worktree.dir() : input.cwd() != null ? Path.of(input.cwd()) : attemptDir;
    if (!Files.isDirectory(workDir)) {
      throw new TaskFailure(ErrorType.EXECUTOR, "the working directory " + workDir + " does not exist");
    }

    List<String> argv = new ArrayList<>();
    argv.add("setsid"); // a group of its own: its id is the child's pid, so signals reach every descendant
    // Found on the server's own PATH, never the task's: an allowlisted name must mean that program.
    argv.add(Executables.resolve(input.command().get(0), workDir));
    argv.addAll(input.command().subList(1, input.command().size()));
    ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile());
    Map<String, String> env = builder.environment();
    // The server's own secrets (tokens, database and admin passwords, endpoint keys) stay with it.
    env.keySet().removeIf(name -> name.startsWith("TASKFORCE_") || settings.hiddenEnv().contains(name));
    env.putAll(input.env());
    env.put("TASKFORCE_TASK_ID", context.taskId());
    env.put("TASKFORCE_SESSION_ID", context.sessionId());
    env.put("TASKFORCE_ATTEMPT", Integer.toString(context.attempt()));
    env.put("TASKFORCE_RESULT", resultFile.toString());

    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new TaskFailure(ErrorType.EXECUTOR, "cannot start " + input.command().get(0) + ": " + e.getMessage());
    }
    long pgid = process.pid();
    groups.register(pgid);
    context.onPause(() -> ProcessGroups.signal(pgid, "STOP"));
    context.onResume(() -> ProcessGroups.signal(pgid, "CONT"));
    context.onCancel(() -> terminate(pgid));
    if (context.isPaused()) ProcessGroups.signal(pgid, "STOP");

    OutputStream stdin = process.getOutputStream();
    CompletableFuture<Void> stdoutDone = CompletableFuture.runAsync(() -> read(process, true, stdin), readers);
    CompletableFuture<Void> stderrDone = CompletableFuture.runAsync(() -> read(process, false, stdin), readers);
    if (input.stdin() != null) {
      // Given stdin is the whole of it: the process sees its end. Written on a thread of its own
      // while the readers drain the output, so a large stdin cannot deadlock with a full pipe.
      readers.execute(() -> {
        try (stdin) {
          stdin.write(input.stdin().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // The process closed its stdin early; its exit says what happened.
        }
      });
    }
    process.onExit()
        // No descendant outlives the attempt, and one still holding the pipes must not hold the end.
        .thenRunAsync(() -> {
          if (ProcessGroups.alive(pgid)) ProcessGroups.signal(pgid, "KILL");
        }, readers)
        .thenCompose(killed -> CompletableFuture.allOf(stdoutDone, stderrDone))
        .whenComplete((done, failure) -> finish(process, pgid, resultFile, worktree));
  }

  private void read(Process process, boolean stdout, OutputStream stdin) {
    try (var in = stdout ? process.getInputStream() : process.getErrorStream()) {
      TailBytes tail = stdout ? stdoutTail : stderrTail;
      LineReader.readAll(in, settings.maxLineBytes(),
          (bytes, offset, length) -> {
            context.output(bytes, offset, length);
            tail.append(bytes, offset, length);
          },
          stdout ? line -> onLine(line, stdin) : line -> {});
    } catch (IOException e) {
      // The stream closed with the process.
    }
  }

  private void onLine(String line, OutputStream stdin) {
    Matcher progress = PROGRESS.matcher(line);
    if (progress.matches() && Integer.parseInt(progress.group(1)) <= 100) {
      lastPercent = Integer.parseInt(progress.group(1));
      context.progress(lastPercent, shorten(progress.group(2) == null ? "" : progress.group(2)));
    } else if (line.startsWith(ASK)) {
      String question = line.substring(ASK.length()).trim();
      if (input.stdin() != null) {
        // Its stdin was given whole and is closed: an answer could not reach it.
        context.output("taskforce: ::ask ignored, this task's stdin was given in its input: " + question + "\n");
        return;
      }
      context.ask(question).thenAccept(answer -> answer(stdin, answer));
    } else if (!line.isBlank()) {
      context.progress(lastPercent, shorten(line));
    }
  }

  private static void answer(OutputStream stdin, String answer) {
    try {
      stdin.write((answer.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      // The process is gone or closed its stdin; its exit tells the rest.
    }
  }

  private void terminate(long pgid) {
    ProcessGroups.signal(pgid, "TERM");
    ProcessGroups.signal(pgid, "CONT"); // a stopped process only acts on TERM once continued
    timers.schedule(() -> {
      if (ProcessGroups.alive(pgid)) ProcessGroups.signal(pgid, "KILL");
    }, settings.killGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void finish(Process process, long pgid, Path resultFile, GitWorktree worktree) {
    groups.unregister(pgid);
    try {
      if (context.isCancelled()) {
        outcome.completeExceptionally(new AttemptCancelledException());
        return;
      }
      int exit = process.exitValue();
      if (exit != 0) {
        String stderr = stderrTail.text().strip();
        outcome.completeExceptionally(new TaskFailure(ErrorType.EXIT,
            "exit code " + exit + (stderr.isEmpty() ? "" : "; stderr: " + stderr)));
        return;
      }
      JsonNode result;
      if (Files.isRegularFile(resultFile) && Files.size(resultFile) > 0) {
        try {
          result = JSON.readTree(resultFile.toFile());
        } catch (IOException e) {
          outcome.completeExceptionally(new TaskFailure(ErrorType.EXECUTOR,
              "the result file $TASKFORCE_RESULT is not valid JSON: " + e.getMessage()));
          return;
        }
      } else {
        ObjectNode plain = JSON.createObjectNode();
        plain.put("exitCode", 0);
        plain.put("stdoutTail", stdoutTail.text());
        result = plain;
      }
      if (worktree != null && result instanceof ObjectNode object) {
        if (!object.has("branch")) object.put("branch", worktree.branch());
        if (!object.has("worktree")) object.put("worktree", worktree.dir().toString());
      }
      outcome.complete(result);
    } catch (Exception e) {
      outcome.completeExceptionally(e);
    }
  }

  private static String shorten(String message) {
    if (message.length() <= MESSAGE_CHARS) return message;
    int end = MESSAGE_CHARS - 1;
    if (Character.isHighSurrogate(message.charAt(end - 1))) end--; // never half a character
    return message.substring(0, end) + "…";
  }

  /** The last bytes of one stream. */
  private static final class TailBytes {
    private final byte[] ring;
    private long written;

    TailBytes(int capacity) {
      ring = new byte[capacity];
    }

    synchronized void append(byte[] bytes, int offset, int length) {
      for (int i = Math.max(0, length - ring.length); i < length; i++) {
        ring[(int) ((written + i) % ring.length)] = bytes[offset + i];
      }
      written += length;
    }

    synchronized String text() {
      int size = (int) Math.min(written, ring.length);
      byte[] copy = new byte[size];
      for (int i = 0; i < size; i++) copy[i] = ring[(int) ((written - size + i) % ring.length)];
      return new String(copy, StandardCharsets.UTF_8);
    }
  }
}
