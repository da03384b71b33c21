package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.DEADLINE;
import static io.taskforce.executors.process.ProcessNode.TENANT;
import static io.taskforce.executors.process.ProcessNode.alive;
import static io.taskforce.executors.process.ProcessNode.await;
import static io.taskforce.executors.process.ProcessNode.bash;
import static io.taskforce.executors.process.ProcessNode.command;
import static io.taskforce.executors.process.ProcessNode.process;
import static io.taskforce.executors.process.ProcessNode.read;
import static io.taskforce.executors.process.ProcessNode.state;
import static io.taskforce.executors.process.ProcessNode.tempDir;
import static io.taskforce.executors.process.ProcessNode.touch;
import static io.taskforce.executors.process.ProcessNode.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.OutputChunk;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import io.taskforce.api.UnavailableException;
import io.taskforce.Taskforce;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code process} executor with real processes (the bash scripts in
 * {@code src/test/resources/scripts}), driven and observed through the facade. One node for the
 * class; each test has sessions and scratch directories of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessExecutorTest {
  private static final Duration KILL_GRACE = Duration.ofSeconds(2);
  /** How long a signalled process may take to be gone: the grace period and some slack. */
  private static final Duration GONE = KILL_GRACE.plusSeconds(8);
  private static final int MIB = 1024 * 1024;

  private ProcessNode node;
  private Path dataDir;

  @BeforeAll
  void start() throws IOException {
    node = ProcessNode.start(tempDir("taskforce-process-"), String.join("\n",
        "taskforce.executors.openai.enabled = off",
        "taskforce.executors.process.kill-grace = 2s",
        "taskforce.node.max-running = 32"));
    dataDir = node.dataDir.toRealPath();
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  // ---- environment and working directory

  @Test
  void environmentCarriesTaskSessionAttemptResultFileAndTheGivenEnv() {
    String session = unique("s");
    ObjectNode input = bash("env.sh");
    input.putObject("env").put("EXTRA_SETTING", "from the input");
    TaskView task = node.dispatch(session, process(input));
    JsonNode result = node.awaitStatus(task.id(), TaskStatus.COMPLETED).result();
    assertEquals(task.id(), result.path("taskId").asText());
    assertEquals(session, result.path("sessionId").asText());
    assertEquals("1", result.path("attempt").asText());
    assertEquals("from the input", result.path("extra").asText());
    String resultFile = result.path("resultFile").asText();
    assertTrue(resultFile.endsWith(".json"), resultFile);
    assertTrue(resultFile.contains(task.id()), resultFile);
  }

  @Test
  void eachAttemptRunsInAWorkingDirectoryOfItsOwnUnderTheDataDirectoryUnlessCwdIsGiven() throws IOException {
    String session = unique("s");
    TaskView first = node.dispatch(session, process(bash("env.sh")));
    TaskView second = node.dispatch(session, process(bash("env.sh")));
    Path cwd = tempDir("taskforce-cwd-").toRealPath();
    TaskView inCwd = node.dispatch(session, process(bash("env.sh").put("cwd", cwd.toString())));

    String firstDir = node.awaitStatus(first.id(), TaskStatus.COMPLETED).result().path("pwd").asText();
    String secondDir = node.awaitStatus(second.id(), TaskStatus.COMPLETED).result().path("pwd").asText();
    assertTrue(firstDir.startsWith(dataDir.toString()), firstDir + " is not under " + dataDir);
    assertTrue(secondDir.startsWith(dataDir.toString()), secondDir + " is not under " + dataDir);
    assertTrue(firstDir.contains(first.id()), firstDir);
    assertNotEquals(firstDir, secondDir);
    assertEquals(cwd.toString(), node.awaitStatus(inCwd.id(), TaskStatus.COMPLETED).result().path("pwd").asText());
  }

  @Test
  void stdinGivenInTheInputIsTheWholeOfTheProcessStandardInput() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c", "cat; echo end").put("stdin", "hello\nworld\n")));
    JsonNode result = node.awaitStatus(task.id(), TaskStatus.COMPLETED).result();
    assertEquals("hello\nworld\nend\n", result.path("stdoutTail").asText());
  }

  // ---- progress and questions

  @Test
  void stdoutLinesBecomeTheProgressMessageAndProgressLinesSetThePercent() {
    String session = unique("s");
    TestProbe<FeedEvent> feed = node.subscribe(session, null);
    Path gates = tempDir("taskforce-gates-");
    TaskView task = node.dispatch(session, process(bash("progress.sh", gates.toString())));

    FeedEvent first = fishProgress(feed, task.id(), e -> e.progress().message().equals("plain line one"));
    assertNull(first.progress().percent());
    touch(gates.resolve("step1"));
    FeedEvent second = fishProgress(feed, task.id(), e -> e.progress().message().equals("running tests"));
    assertEquals(40, second.progress().percent());
    assertEquals(40, node.task(task.id()).progress().percent());
    assertEquals("running tests", node.task(task.id()).progress().message());
    touch(gates.resolve("step2"));
    FeedEvent third = fishProgress(feed, task.id(), e -> e.progress().message().equals("still testing"));
    assertEquals(40, third.progress().percent(), "a plain line keeps the last percent");
    touch(gates.resolve("step3"));

    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("still testing", done.progress().message());
    String output = await(node.tf.output(TENANT, task.id(), 0)).data();
    assertTrue(output.contains("::progress 40 running tests\n"), "directives stay in the output: " + output);
  }

  @Test
  void askLinePutsTheTaskInInputRequiredAndTheAnswerReachesStdin() {
    String session = unique("s");
    TestProbe<FeedEvent> feed = node.subscribe(session, null);
    TaskView task = node.dispatch(session, process(bash("ask.sh")));

    TaskView waiting = node.awaitStatus(task.id(), TaskStatus.INPUT_REQUIRED);
    assertEquals("may I?", waiting.question());
    FeedEvent asked = feed.fishForMessage(DEADLINE, "the question", e ->
        e.type() == FeedEventType.INPUT_REQUIRED ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    assertEquals("may I?", asked.question());

    TaskView answered = await(node.tf.answer(TENANT, task.id(), "yes, go ahead"));
    assertTrue(answered.status() == TaskStatus.RUNNING || answered.status() == TaskStatus.COMPLETED, answered::toString);
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("yes, go ahead", done.result().path("answer").asText());
  }

  @Test
  void askPermissionWrapperRunsTheRiskyStepOnlyWhenTheSessionSaysYes() {
    Path dir = tempDir("taskforce-permission-");
    String session = unique("s");
    TaskView allowed = node.dispatch(session, process(bash("ask-permission.sh",
        "Run the migrations on staging?", "touch", dir.resolve("migrated").toString())));
    TaskView refused = node.dispatch(session, process(bash("ask-permission.sh",
        "Drop the staging database?", "touch", dir.resolve("dropped").toString())));

    assertEquals("Run the migrations on staging? (yes/no)", node.awaitStatus(allowed.id(), TaskStatus.INPUT_REQUIRED).question());
    assertEquals("Drop the staging database? (yes/no)", node.awaitStatus(refused.id(), TaskStatus.INPUT_REQUIRED).question());
    await(node.tf.answer(TENANT, allowed.id(), "yes, go ahead"));
    await(node.tf.answer(TENANT, refused.id(), "no"));

    assertTrue(node.awaitStatus(allowed.id(), TaskStatus.COMPLETED).result().path("allowed").asBoolean());
    assertFalse(node.awaitStatus(refused.id(), TaskStatus.COMPLETED).result().path("allowed").asBoolean(true));
    assertTrue(Files.exists(dir.resolve("migrated")));
    assertFalse(Files.exists(dir.resolve("dropped")));
  }

  // ---- pause, resume, cancel

  @Test
  void pauseFreezesTheWholeProcessGroupAndResumeContinuesIt() {
    Path dir = tempDir("taskforce-counter-");
    Path counter = dir.resolve("counter");
    TaskView task = node.dispatch(unique("s"), process(bash("counter.sh", dir.toString())));
    long pid = node.awaitPid(dir.resolve("pid"));
    node.eventually(() -> {
      assertTrue(count(counter) > 3, "the counter counts");
      return null;
    });

    assertEquals(TaskStatus.PAUSED, await(node.tf.pause(TENANT, task.id())).status());
    node.eventually(() -> {
      assertEquals("T", state(pid), "the script is stopped while paused");
      return null;
    });
    long atPause = count(counter);
    node.letPass(Duration.ofMillis(500));
    assertEquals(atPause, count(counter), "the counter stands still while paused");
    assertEquals("T", state(pid));
    assertEquals(TaskStatus.PAUSED, node.task(task.id()).status());

    assertEquals(TaskStatus.RUNNING, await(node.tf.resume(TENANT, task.id())).status());
    node.eventually(() -> {
      assertTrue(count(counter) > atPause + 3, "the counter counts again after resume");
      return null;
    });
    assertNotEquals("T", state(pid));

    await(node.tf.cancel(TENANT, task.id()));
    node.awaitGone(pid, GONE);
  }

  @Test
  void cancelKillsTheWholeGroupIncludingAGrandchild() {
    Path dir = tempDir("taskforce-grandchild-");
    TaskView task = node.dispatch(unique("s"), process(bash("grandchild.sh", dir.toString())));
    long child = node.awaitPid(dir.resolve("child.pid"));
    long grandchild = node.awaitPid(dir.resolve("grandchild.pid"));
    assertTrue(alive(child) && alive(grandchild));
    node.awaitStatus(task.id(), TaskStatus.RUNNING);

    assertEquals(TaskStatus.CANCELLED, await(node.tf.cancel(TENANT, task.id())).status());
    node.awaitGone(child, GONE);
    node.awaitGone(grandchild, GONE);
    assertEquals(TaskStatus.CANCELLED, node.task(task.id()).status());
  }

  @Test
  void cancelOfAPausedTaskKillsItsStoppedProcesses() {
    Path dir = tempDir("taskforce-paused-cancel-");
    TaskView task = node.dispatch(unique("s"), process(bash("grandchild.sh", dir.toString())));
    long child = node.awaitPid(dir.resolve("child.pid"));
    long grandchild = node.awaitPid(dir.resolve("grandchild.pid"));
    await(node.tf.pause(TENANT, task.id()));
    node.eventually(() -> {
      assertEquals("T", state(child));
      assertEquals("T", state(grandchild));
      return null;
    });

    assertEquals(TaskStatus.CANCELLED, await(node.tf.cancel(TENANT, task.id())).status());
    node.awaitGone(child, GONE);
    node.awaitGone(grandchild, GONE);
  }

  @Test
  void cancelKillsAProcessThatIgnoresSigtermAfterTheGracePeriod() {
    Path dir = tempDir("taskforce-ignore-term-");
    TaskView task = node.dispatch(unique("s"), process(bash("ignore-term.sh", dir.toString())));
    long pid = node.awaitPid(dir.resolve("pid"));

    await(node.tf.cancel(TENANT, task.id()));
    node.eventually(() -> {
      assertEquals("term", read(dir.resolve("log")), "the script got SIGTERM");
      return null;
    });
    assertTrue(alive(pid), "SIGTERM alone does not end it");
    node.letPass(KILL_GRACE.dividedBy(2));
    assertTrue(alive(pid), "it is given the grace period");
    node.awaitGone(pid, GONE);
    assertEquals(TaskStatus.CANCELLED, node.task(task.id()).status());
  }

  @Test
  void aGrandchildLeftRunningWhenTheLeaderExitsIsKilledToo() {
    Path dir = tempDir("taskforce-leftover-");
    TaskView task = node.dispatch(unique("s"), process(bash("leave-grandchild.sh", dir.toString())));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("leader done\n", done.result().path("stdoutTail").asText());
    long grandchild = node.awaitPid(dir.resolve("grandchild.pid"));
    node.awaitGone(grandchild, GONE);
  }

  // ---- failures

  @Test
  void timeoutFailsTheTaskWithTypeTimeoutAndKillsTheProcess() {
    Path dir = tempDir("taskforce-timeout-");
    TaskView task = node.dispatch(unique("s"), process(bash("forever.sh", dir.toString())).withTimeoutSeconds(1));
    long pid = node.awaitPid(dir.resolve("pid"));
    TaskView failed = node.awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.TIMEOUT, failed.error().type());
    node.awaitGone(pid, GONE);
  }

  @Test
  void nonZeroExitFailsWithTypeExitNamingTheCodeAndTheStderrTail() {
    TaskView task = node.dispatch(unique("s"), process(bash("fail.sh")));
    TaskView failed = node.awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.EXIT, failed.error().type());
    assertTrue(failed.error().message().contains("3"), failed.error().message());
    assertTrue(failed.error().message().contains("went wrong: disk full"), failed.error().message());
    assertEquals(1, failed.attempt());
  }

  @Test
  void retryOnExitRunsASecondAttemptThatSucceeds() {
    TaskView task = node.dispatch(unique("s"),
        process(bash("fail-first-attempt.sh")).withRetries(2, Set.of(ErrorType.EXIT)));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals(2, done.attempt());
    assertEquals(2, done.result().path("succeededOnAttempt").asInt());
  }

  // ---- results

  @Test
  void jsonWrittenToTheResultFileIsTheResult() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c",
        "echo noise; echo '{\"ok\": true, \"items\": [1, 2]}' > \"$TASKFORCE_RESULT\"")));
    JsonNode result = node.awaitStatus(task.id(), TaskStatus.COMPLETED).result();
    assertEquals(ProcessNode.JSON.createObjectNode().put("ok", true).set("items",
        ProcessNode.JSON.createArrayNode().add(1).add(2)), result);
  }

  @Test
  void invalidJsonInTheResultFileFailsWithTypeExecutor() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c",
        "echo 'not json {' > \"$TASKFORCE_RESULT\"")));
    TaskView failed = node.awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    assertTrue(failed.error().message().contains("not valid JSON"), failed.error().message());
  }

  @Test
  void withoutAResultFileTheResultIsExitCodeAndStdoutTail() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c", "echo hello; echo to-stderr >&2")));
    JsonNode result = node.awaitStatus(task.id(), TaskStatus.COMPLETED).result();
    assertEquals(0, result.path("exitCode").asInt());
    assertEquals("hello\n", result.path("stdoutTail").asText());
  }

  // ---- git worktrees

  @Test
  void gitWorktreeGivesEachTaskABranchOfItsOwnAndLeavesTheMainTreeUntouched() throws IOException {
    Path repo = tempDir("taskforce-repo-").toRealPath();
    git(repo, "init", "-q");
    git(repo, "config", "user.name", "Taskforce Test");
    git(repo, "config", "user.email", "test@taskforce.invalid");
    Files.writeString(repo.resolve("README"), "the main tree\n");
    git(repo, "add", "README");
    git(repo, "commit", "-q", "-m", "initial");
    String mainHead = git(repo, "rev-parse", "HEAD");
    String mainBranch = git(repo, "rev-parse", "--abbrev-ref", "HEAD");
    Path markers = tempDir("taskforce-markers-");

    String session = unique("s");
    List<TaskView> tasks = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ObjectNode input = bash("worktree-commit.sh", markers.toString(), "2")
          .put("cwd", repo.toString()).put("workspace", "git-worktree");
      tasks.add(node.dispatch(session, process(input)));
    }
    List<String> branches = new ArrayList<>();
    for (TaskView task : tasks) {
      JsonNode result = node.awaitStatus(task.id(), TaskStatus.COMPLETED, Duration.ofSeconds(40)).result();
      String branch = result.path("branch").asText();
      assertFalse(branch.isEmpty(), "the result names the branch: " + result);
      assertEquals("committed on " + branch + "\n", result.path("stdoutTail").asText());
      assertTrue(result.path("worktree").asText().startsWith(dataDir.toString()), result.toString());
      branches.add(branch);

      assertEquals("work of " + task.id(), git(repo, "show", branch + ":file-" + task.id() + ".txt"));
      assertEquals(List.of("README", "file-" + task.id() + ".txt"),
          List.of(git(repo, "ls-tree", "-r", "--name-only", branch).split("\n")),
          "the branch holds its own file only");
    }
    assertNotEquals(branches.get(0), branches.get(1));

    assertEquals(mainHead, git(repo, "rev-parse", "HEAD"));
    assertEquals(mainBranch, git(repo, "rev-parse", "--abbrev-ref", "HEAD"));
    assertEquals("", git(repo, "status", "--porcelain"));
    try (var files = Files.list(repo)) {
      assertEquals(Set.of(".git", "README"), Set.copyOf(files.map(f -> f.getFileName().toString()).toList()));
    }
  }

  // ---- output

  @Test
  void hugeOutputKeepsOnlyABoundedTail() {
    Path gates = tempDir("taskforce-huge-");
    int total = 10 * MIB;
    TaskView task = node.dispatch(unique("s"),
        process(bash("huge-output.sh", Integer.toString(total), gates.toString())));
    node.eventually(Duration.ofSeconds(40), () -> {
      assertEquals(total, end(task.id()), "all of the output was written");
      return null;
    });

    // While it runs: the runner's tail, at most the configured 1 MiB, read in chunks.
    OutputChunk first = await(node.tf.output(TENANT, task.id(), 0));
    assertTrue(first.truncated());
    assertTrue(first.offset() >= total - MIB, "kept from " + first.offset());
    long kept = 0;
    OutputChunk chunk = first;
    while (!chunk.data().isEmpty()) {
      kept += chunk.nextOffset() - chunk.offset();
      chunk = await(node.tf.output(TENANT, task.id(), chunk.nextOffset()));
    }
    assertTrue(kept <= MIB, kept + " bytes kept");
    assertEquals(total - first.offset(), kept);
    String message = node.task(task.id()).progress().message();
    assertTrue(message.length() <= 200, "the progress message is shortened: " + message.length());

    touch(gates.resolve("go"));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("huge done", done.progress().message());
    // After the end: the tail kept in the final event.
    OutputChunk last = await(node.tf.output(TENANT, task.id(), 0));
    assertTrue(last.truncated());
    assertTrue(last.nextOffset() - last.offset() <= 64 * 1024, "the final tail is 64 KiB at most");
    assertEquals(total + "huge done\n".length(), last.nextOffset());
    assertTrue(last.data().endsWith("xxx\nhuge done\n"));
  }

  @Test
  void binaryOutputDoesNotBreakTheReader() {
    TaskView task = node.dispatch(unique("s"), process(bash("binary-output.sh")));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertTrue(done.result().path("stdoutTail").asText().endsWith("\nbinary done\n"));
    assertEquals("binary done", done.progress().message());
    OutputChunk output = await(node.tf.output(TENANT, task.id(), 0));
    assertTrue(output.nextOffset() >= 110_000, "stdout and stderr are both captured: " + output.nextOffset());
    assertTrue(output.data().endsWith("binary done\n"));
  }

  // ---- many at once

  @Test
  void twoHundredConcurrentShortProcessesAllComplete() {
    int sessions = 4;
    int perSession = 50;
    List<CompletableFuture<TaskView>> finished = new ArrayList<>();
    List<String> sessionIds = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      String session = unique("many");
      sessionIds.add(session);
      await(node.tf.createSession(TENANT, new SessionSpec(session, null, perSession, null)));
    }
    long started = System.nanoTime();
    for (int i = 0; i < sessions * perSession; i++) {
      String session = sessionIds.get(i % sessions);
      String[] argv = i % 2 == 0 ? new String[] {"echo", "hi " + i} : new String[] {"true"};
      TaskSpec spec = process(command(argv)).withId(unique("t"));
      finished.add(dispatchRetryingWhileUnavailable(session, spec, 5)
          .thenCompose(d -> node.tf.awaitResult(TENANT, d.task().id(), Duration.ofSeconds(60)))
          .toCompletableFuture());
    }
    CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new)).orTimeout(90, TimeUnit.SECONDS).join();
    for (int i = 0; i < finished.size(); i++) {
      TaskView task = finished.get(i).join();
      assertEquals(TaskStatus.COMPLETED, task.status(), task::toString);
      assertEquals(i % 2 == 0 ? "hi " + i + "\n" : "", task.result().path("stdoutTail").asText());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertTrue(took.compareTo(Duration.ofSeconds(60)) < 0, "took " + took);
  }

  // ---- helpers

  /**
   * Dispatches as API.md tells a client to: a dispatch that answers "unavailable" (503; here a cold
   * node taking 200 at once) is sent again with the same task id, which stores it exactly once.
   */
  private CompletionStage<Taskforce.Dispatched> dispatchRetryingWhileUnavailable(
      String session, TaskSpec spec, int tries) {
    return node.tf.dispatch(TENANT, session, spec).exceptionallyCompose(failure -> {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (!(cause instanceof UnavailableException) || tries <= 1) return CompletableFuture.failedFuture(cause);
      return dispatchRetryingWhileUnavailable(session, spec, tries - 1);
    });
  }

  private static FeedEvent fishProgress(TestProbe<FeedEvent> feed, String taskId, Predicate<FeedEvent> wanted) {
    return feed.fishForMessage(DEADLINE, "a progress event of " + taskId, e ->
        e.type() == FeedEventType.PROGRESS && e.taskId().equals(taskId) && wanted.test(e)
            ? FishingOutcomes.complete()
            : FishingOutcomes.continueAndIgnore()).get(0);
  }

  /** The current value of a counter file (0 before it exists). */
  private static long count(Path counter) {
    String text = read(counter);
    return text == null || text.isEmpty() ? 0 : Long.parseLong(text);
  }

  /** Where a task's output ends now (its total size in bytes). */
  private long end(String taskId) {
    return await(node.tf.output(TENANT, taskId, 1L << 40)).nextOffset();
  }

  private static String git(Path repo, String... args) {
    List<String> command = new ArrayList<>(List.of("git", "-C", repo.toString()));
    command.addAll(List.of(args));
    try {
      Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
