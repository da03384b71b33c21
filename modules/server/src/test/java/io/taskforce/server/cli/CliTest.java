package io.taskforce.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskforce.Taskforce;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.server.ServerMain;
import io.taskforce.testing.TestConfigs;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code taskforce} verbs, each a separate JVM, against a real server on a random port.
 * What a CLI run prints is checked as a person or a script would read it.
 */
class CliTest {
  private static final String TOKEN = "cli-test-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tempDir;

  private static ServerMain server;
  private static Cli cli;

  @BeforeAll
  static void startServer() throws Exception {
    Path dataDir = Files.createDirectories(tempDir.resolve("server"));
    server = ServerMain.start(TestConfigs.h2(dataDir,
        "taskforce.http.port = 0\ntaskforce.server.token = \"" + TOKEN + "\""));
    Path workDir = Files.createDirectories(tempDir.resolve("cli"));
    cli = new Cli(Map.of("TASKFORCE_URL", "http://127.0.0.1:" + server.port(), "TASKFORCE_TOKEN", TOKEN), workDir);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) server.stop();
  }

  @Test
  void dispatchedCommandsResultIsPrintedOnceItEnds() throws Exception {
    Cli.Result dispatched = ok(cli.run("dispatch", "--session", "basics", "--title", "hello", "--", "bash", "-c", "echo hi"));
    String taskId = dispatched.stdout().strip();
    assertTrue(taskId.matches("[A-Za-z0-9][A-Za-z0-9._:-]*"), "dispatch prints the task id alone: " + dispatched);

    Cli.Result result = ok(cli.run("result", taskId, "--wait"));
    assertEquals("hi\n", result.stdout(), "result prints the command's output: " + result);

    JsonNode task = json(ok(cli.run("result", taskId, "--json")));
    assertEquals("completed", task.get("status").asText());
    assertEquals("hi\n", task.at("/result/stdoutTail").asText());

    Cli.Result output = ok(cli.run("output", taskId));
    assertEquals("hi\n", output.stdout());
  }

  @Test
  void dispatchWithExecutorAndInputWaitsAndPrintsTheResult() {
    Cli.Result result = ok(cli.run("dispatch", "--session", "basics", "--wait", "--executor", "process",
        "--input", "{\"command\": [\"bash\", \"-c\", \"echo via-input\"]}"));
    assertEquals("via-input\n", result.stdout());
  }

  @Test
  void failingCommandMakesResultExitOneWithItsError() {
    String taskId = ok(cli.run("dispatch", "--session", "basics", "--", "bash", "-c", "echo oops >&2; exit 3"))
        .stdout().strip();
    Cli.Result result = cli.run("result", taskId, "--wait=30");
    assertEquals(1, result.exit(), result.toString());
    assertTrue(result.stdout().contains(taskId + "  failed  exit: exit code 3"), result.toString());
    assertTrue(result.stdout().contains("oops"), result.toString());
  }

  @Test
  void statusListAndSessionsShowTheTaskAndPrintParseableJson() throws Exception {
    ok(cli.run("dispatch", "--session", "statuses", "--id", "cli-status-1", "--title", "status check",
        "--label", "area=cli", "--priority", "2", "--context", "{\"why\": \"test\"}", "--timeout", "5m",
        "--wait", "--", "bash", "-c", "echo ok"));

    Cli.Result status = ok(cli.run("status", "cli-status-1"));
    assertTrue(status.stdout().contains("status    completed\n"), status.toString());
    assertTrue(status.stdout().contains("title     status check\n"), status.toString());
    assertTrue(status.stdout().contains("labels    area=cli\n"), status.toString());
    assertTrue(status.stdout().contains("session   statuses\n"), status.toString());

    JsonNode task = json(ok(cli.run("status", "cli-status-1", "--json")));
    assertEquals("cli-status-1", task.get("id").asText());
    assertEquals("test", task.at("/context/why").asText());
    assertEquals(2, task.get("priority").asInt());

    // Lists come from a read model that may lag by about a second.
    Cli.Result list = eventually(() -> cli.run("list", "--session", "statuses"),
        r -> r.stdout().contains("cli-status-1"));
    assertTrue(list.stdout().startsWith("ID "), list.toString());
    assertTrue(list.stdout().matches("(?s).*cli-status-1\\s+completed\\s+ok\\s+status check\n.*"), list.toString());

    JsonNode page = json(ok(cli.run("list", "--status", "completed,failed", "--limit", "100", "--json")));
    assertTrue(page.get("items").findValuesAsText("id").contains("cli-status-1"), page.toString());

    Cli.Result sessions = eventually(() -> cli.run("sessions"), r -> r.stdout().contains("statuses"));
    assertTrue(sessions.stdout().matches("(?s).*statuses\\s+active\\s+1 completed.*"), sessions.toString());
    JsonNode sessionPage = json(ok(cli.run("sessions", "--json")));
    assertTrue(sessionPage.get("items").findValuesAsText("id").contains("statuses"), sessionPage.toString());
  }

  @Test
  void pauseResumeAnswerAndCancelPrintTheNewStatusAndFollowPrintsOutputUntilTheEnd() throws Exception {
    String taskId = ok(cli.run("dispatch", "--session", "controls", "--", "bash", "-c",
        "echo '::ask proceed?'; read a; echo \"got $a\"; sleep 60")).stdout().strip();
    awaitEvent("controls", taskId, FeedEventType.INPUT_REQUIRED);

    assertEquals(taskId + "  paused\n", ok(cli.run("pause", taskId)).stdout());
    assertEquals(taskId + "  input_required  asks: proceed?\n", ok(cli.run("resume", taskId)).stdout());
    assertTrue(ok(cli.run("answer", taskId, "yes", "please")).stdout().startsWith(taskId + "  running"));

    try (Cli.Running follow = cli.start("output", taskId, "--follow")) {
      follow.awaitStdout(out -> out.contains("got yes please\n"), Duration.ofSeconds(30));
      assertEquals(taskId + "  cancelled\n", ok(cli.run("cancel", taskId)).stdout());
      Cli.Result followed = follow.await(Duration.ofSeconds(30));
      assertEquals(0, followed.exit(), "output --follow ends with the task: " + followed);
      assertTrue(followed.stdout().startsWith("::ask proceed?\ngot yes please\n"), followed.toString());
    }

    Cli.Result result = cli.run("result", taskId);
    assertEquals(1, result.exit(), result.toString());
    assertEquals(taskId + "  cancelled\n", result.stdout());

    Cli.Result again = cli.run("cancel", taskId);
    assertEquals(1, again.exit(), again.toString());
    assertTrue(again.stderr().contains("Conflict: cannot cancel"), again.toString());
    assertNoStackTrace(again);
  }

  @Test
  void unknownTaskExitsThreeWithTheProblemsTitleAndDetail() {
    Cli.Result result = cli.run("status", "no-such-task");
    assertEquals(3, result.exit(), result.toString());
    assertTrue(result.stderr().startsWith("taskforce status: Not found: "), result.toString());
    assertTrue(result.stderr().contains("no-such-task"), result.toString());
    assertEquals("", result.stdout());
    assertNoStackTrace(result);
  }

  @Test
  void unreachableServerExitsFour() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Cli.Result result = cli.env("TASKFORCE_URL", "http://127.0.0.1:" + closedPort).run("list");
    assertEquals(4, result.exit(), result.toString());
    assertTrue(result.stderr().contains("cannot reach the server at http://127.0.0.1:" + closedPort), result.toString());
    assertNoStackTrace(result);
  }

  @Test
  void usageErrorsExitTwo() {
    Cli.Result nothingToRun = cli.run("dispatch", "--session", "usage");
    assertEquals(2, nothingToRun.exit(), nothingToRun.toString());
    assertTrue(nothingToRun.stderr().contains("nothing to run"), nothingToRun.toString());
    assertNoStackTrace(nothingToRun);

    Cli.Result badNumber = cli.run("list", "--limit", "many");
    assertEquals(2, badNumber.exit(), badNumber.toString());
    assertNoStackTrace(badNumber);

    Cli.Result unknownExecutor = cli.run("dispatch", "--executor", "no-such-executor", "--input", "{}");
    assertEquals(2, unknownExecutor.exit(), unknownExecutor.toString());
    assertTrue(unknownExecutor.stderr().contains("Invalid request: unknown executor"), unknownExecutor.toString());
    assertNoStackTrace(unknownExecutor);
  }

  @Test
  void tokenIsFoundInTheDataDirectoryWhenNotGiven() throws IOException {
    Path dataDir = Files.createDirectories(tempDir.resolve("client-data"));
    Files.writeString(dataDir.resolve("token"), TOKEN + "\n");
    Cli fromFile = cli.env("TASKFORCE_TOKEN", null).env("TASKFORCE_DATA_DIR", dataDir.toString());
    ok(fromFile.run("sessions"));

    Cli.Result wrongToken = fromFile.run("sessions", "--token", "not-the-token-at-all");
    assertEquals(1, wrongToken.exit(), wrongToken.toString());
    assertTrue(wrongToken.stderr().contains("Unauthorized"), wrongToken.toString());

    Cli.Result noToken = cli.env("TASKFORCE_TOKEN", null)
        .env("TASKFORCE_DATA_DIR", tempDir.resolve("nowhere").toString()).run("sessions");
    assertEquals(2, noToken.exit(), noToken.toString());
    assertTrue(noToken.stderr().contains("no token"), noToken.toString());
  }

  @Test
  void watchUntilIdlePrintsProgressQuestionsAndEndsThenExitsZero() throws Exception {
    String asker = ok(cli.run("dispatch", "--session", "watched", "--title", "asks first", "--", "bash", "-c",
        "echo '::ask ready?'; read a; echo \"::progress 100 answered $a\"")).stdout().strip();

    try (Cli.Running watch = cli.start("watch", "watched", "--until-idle")) {
      watch.awaitStdout(out -> out.contains("watching session watched\n"), Duration.ofSeconds(30));
      String stepper = ok(cli.run("dispatch", "--session", "watched", "--title", "steps", "--", "bash", "-c",
          "echo '::progress 50 half way'; sleep 0.5; echo finished")).stdout().strip();
      watch.awaitStdout(out -> out.contains(asker + "  input_required  asks: ready?")
          && out.matches("(?s).*" + stepper + "  completed +finished\n.*"), Duration.ofSeconds(30));
      ok(cli.run("answer", asker, "go"));

      Cli.Result watched = watch.await(Duration.ofSeconds(30));
      assertEquals(0, watched.exit(), watched.toString());
      String out = watched.stdout();
      assertTrue(out.matches("(?s).*" + stepper + "  dispatched +steps\n.*"), out);
      assertTrue(out.matches("(?s).*" + stepper + "  started +steps\n.*"), out);
      assertTrue(out.matches("(?s).*" + stepper + "  progress +50%  half way\n.*"), out);
      assertTrue(out.matches("(?s).*" + asker + "  completed.*"), out);
      assertTrue(out.strip().endsWith("idle: no unfinished task"), out);
      assertFalse(out.contains("\033["), "no terminal codes when stdout is not a terminal: " + out);
    }
  }

  @Test
  void watchOfAnUnknownSessionExitsThree() {
    Cli.Result result = cli.run("watch", "no-such-session", "--until-idle");
    assertEquals(3, result.exit(), result.toString());
    assertNoStackTrace(result);
  }

  private static Cli.Result ok(Cli.Result result) {
    assertEquals(0, result.exit(), result.toString());
    return result;
  }

  private static JsonNode json(Cli.Result result) throws IOException {
    return JSON.readTree(result.stdout());
  }

  private static void assertNoStackTrace(Cli.Result result) {
    String all = result.stdout() + result.stderr();
    assertFalse(all.contains("Exception") || all.contains("\tat "), "no stack trace: " + result);
  }

  /** Runs the CLI again until its output satisfies {@code done} (lists lag by about a second). */
  private static Cli.Result eventually(java.util.function.Supplier<Cli.Result> run, Predicate<Cli.Result> done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Cli.Result last;
    do {
      last = ok(run.get());
      if (done.test(last)) return last;
    } while (System.nanoTime() < deadline);
    return fail("never got there: " + last);
  }

  /** Waits for the task's event of that type on the session's feed (replayed if it happened already). */
  private static void awaitEvent(String session, String taskId, FeedEventType type) throws Exception {
    Taskforce tf = server.taskforce();
    CompletableFuture<FeedEvent> seen = new CompletableFuture<>();
    try (Taskforce.FeedSubscription subscription = tf.subscribe(tf.defaultTenant(), session, 0, event -> {
      if (event.type() == type && taskId.equals(event.taskId())) seen.complete(event);
    })) {
      seen.get(30, TimeUnit.SECONDS);
    }
  }
}
