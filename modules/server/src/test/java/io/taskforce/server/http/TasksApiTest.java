package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertBadRequest;
import static io.taskforce.server.http.ProblemAssert.assertConflictNaming;
import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /v1/sessions/{sid}/tasks} and {@code /v1/tasks/...}: every route and answer of API.md's table. */
class TasksApiTest {
  private static final String ASK = "echo \"::ask proceed?\"; read a; echo \"got $a\"";
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  // ---- dispatch

  @Test
  void dispatchAnswers202WithLocationAndAnImmediateGetFindsIt() {
    String sid = uid("s");
    String tid = uid("t");
    ObjectNode spec = bash(tid, "sleep 2");
    spec.put("title", "nap").put("priority", 3);
    spec.putObject("labels").put("area", "tests");
    spec.putObject("context").put("purpose", "test");

    var response = server.dispatch(sid, spec);

    assertEquals(202, response.status(), response::toString);
    assertEquals("/v1/tasks/" + tid, response.header("Location").orElseThrow());
    JsonNode task = response.json();
    assertEquals(tid, task.get("id").asText());
    assertEquals(sid, task.get("sessionId").asText());
    assertEquals("nap", task.get("title").asText());
    assertEquals("process", task.get("executor").asText());
    assertTrue(Set.of("pending", "running").contains(task.get("status").asText()), task::toString);
    assertEquals(3, task.get("priority").asInt());
    assertEquals("tests", task.get("labels").get("area").asText());
    assertEquals("test", task.get("context").get("purpose").asText());
    Instant.parse(task.get("createdAt").asText());
    assertFalse(task.has("result") || task.has("error"), task::toString);

    var found = server.get("/v1/tasks/" + tid);
    assertEquals(200, found.status(), found::toString);
    assertEquals(tid, found.json().get("id").asText());
    assertEquals(200, server.get("/v1/sessions/" + sid).status(), "the dispatch created the session");
  }

  @Test
  void dispatchWithoutIdGeneratesOne() {
    var response = server.dispatch(uid("s"), bash(null, "true"));

    assertEquals(202, response.status(), response::toString);
    String id = response.json().get("id").asText();
    assertEquals("/v1/tasks/" + id, response.header("Location").orElseThrow());
  }

  @Test
  void repeatedDispatchWithTheSameSpecAnswers200WithTheSameTask() {
    String sid = uid("s");
    ObjectNode spec = bash(uid("t"), "true");
    var first = server.dispatch(sid, spec);

    var again = server.dispatch(sid, spec);

    assertEquals(202, first.status(), first::toString);
    assertEquals(200, again.status(), again::toString);
    assertEquals(first.json().get("id"), again.json().get("id"));
    assertEquals(first.json().get("createdAt"), again.json().get("createdAt"));
  }

  @Test
  void aRepeatSpellingOutTheDefaultsIsTheSameSpec() {
    String sid = uid("s");
    String tid = uid("t");
    server.dispatched(sid, bash(tid, "true"));
    ObjectNode explicit = bash(tid, "true");
    explicit.put("title", "").put("priority", 0).put("maxAttempts", 1).put("notify", true);
    explicit.putArray("retryOn").add("node-lost");
    explicit.putObject("labels");

    var again = server.dispatch(sid, explicit);

    assertEquals(200, again.status(), again::toString);
    assertEquals(tid, again.json().get("id").asText());
  }

  @Test
  void theSameIdWithAnotherSpecOrSessionAnswers409() {
    String sid = uid("s");
    String tid = uid("t");
    server.dispatched(sid, bash(tid, "true"));

    assertProblem(server.dispatch(sid, bash(tid, "false")), 409, "conflict");
    assertProblem(server.dispatch(uid("s"), bash(tid, "true")), 409, "conflict");
  }

  @Test
  void dispatchToAClosedSessionAnswers409() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\"}", TOKEN);
    server.delete("/v1/sessions/" + sid, TOKEN);

    assertProblem(server.dispatch(sid, bash(uid("t"), "true")), 409, "conflict");
  }

  // ---- lists

  @Test
  void sessionTasksAreListedByStatusNewestFirst() {
    String sid = uid("s");
    String done = server.dispatched(sid, bash(uid("done"), "true"));
    server.finished(done);
    String running = server.dispatched(sid, bash(uid("run"), "sleep 30"));
    String paused = server.dispatched(sid, bash(uid("pause"), "sleep 30"));
    server.awaitStatus(sid, running, "running");
    assertEquals(200, server.post("/v1/tasks/" + paused + "/pause", null).status());

    List<String> active = TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/sessions/" + sid + "/tasks?status=running,paused", TOKEN)),
        ids -> new HashSet<>(ids).equals(Set.of(running, paused)));
    assertEquals(List.of(paused, running), active, "newest first");
    List<String> all = TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/sessions/" + sid + "/tasks?limit=1", TOKEN)),
        ids -> ids.size() == 3);
    assertEquals(List.of(paused, running, done), all, "every page, newest first");
    assertEquals(List.of(done), TestServer.ids(server.listAll("/v1/sessions/" + sid + "/tasks?status=completed", TOKEN)));
    var page = server.get("/v1/sessions/" + sid + "/tasks?limit=1");
    assertTrue(page.json().get("nextCursor").isTextual(), page::toString);

    server.delete("/v1/sessions/" + sid, TOKEN);
  }

  @Test
  void allTheTenantsTasksAreListedAcrossSessions() {
    String one = server.dispatched(uid("s"), bash(uid("t"), "true"));
    String two = server.dispatched(uid("s"), bash(uid("t"), "true"));
    server.finished(one);
    server.finished(two);

    TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/tasks?status=completed&limit=100", TOKEN)),
        ids -> ids.containsAll(List.of(one, two)));
    List<String> all = TestServer.ids(server.listAll("/v1/tasks", TOKEN));
    assertTrue(all.indexOf(two) < all.indexOf(one), "newest first: " + all);
    assertFalse(TestServer.ids(server.listAll("/v1/tasks?status=running,paused", TOKEN)).contains(one));
  }

  @Test
  void listsRefuseAnUnknownStatusAndBadLimits() {
    assertBadRequest(server.get("/v1/tasks?status=running,sleeping"), "status");
    assertBadRequest(server.get("/v1/tasks?limit=0"), "limit");
    assertProblem(server.get("/v1/sessions/" + uid("unknown") + "/tasks"), 404, "not-found");
  }

  // ---- result and output

  @Test
  void resultAnswers200WhenFinishedAnd202WhenNot() {
    String sid = uid("s");
    String echo = server.dispatched(sid, bash(uid("t"), "echo hello"));
    String sleeper = server.dispatched(sid, bash(uid("t"), "sleep 30"));

    var finished = server.get("/v1/tasks/" + echo + "/result?waitSeconds=20");
    assertEquals(200, finished.status(), finished::toString);
    assertEquals("completed", finished.json().get("status").asText());
    assertEquals(0, finished.json().get("result").get("exitCode").asInt());
    assertEquals("hello\n", finished.json().get("result").get("stdoutTail").asText());
    Instant.parse(finished.json().get("finishedAt").asText());

    long start = System.nanoTime();
    var waited = server.get("/v1/tasks/" + sleeper + "/result?waitSeconds=1");
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(202, waited.status(), waited::toString);
    assertTrue(Set.of("pending", "running").contains(waited.json().get("status").asText()), waited::toString);
    assertTrue(waitedMillis >= 900, "it waited " + waitedMillis + " ms");
    assertEquals(202, server.get("/v1/tasks/" + sleeper + "/result").status(), "waitSeconds defaults to 0");

    assertBadRequest(server.get("/v1/tasks/" + sleeper + "/result?waitSeconds=61"), "waitSeconds");
    assertBadRequest(server.get("/v1/tasks/" + sleeper + "/result?waitSeconds=-1"), "waitSeconds");
    assertEquals(200, server.post("/v1/tasks/" + sleeper + "/cancel", null).status());
  }

  @Test
  void aNonZeroExitFailsTheTaskWithErrorTypeExit() {
    JsonNode task = server.finished(server.dispatched(uid("s"), bash(uid("t"), "exit 3")));

    assertEquals("failed", task.get("status").asText());
    assertEquals("exit", task.get("error").get("type").asText());
    assertFalse(task.has("result"), task::toString);
  }

  @Test
  void outputAnswersTheCapturedOutputFromAnOffset() {
    String tid = server.dispatched(uid("s"), bash(uid("t"), "printf 'hello\\nworld\\n'"));
    server.finished(tid);

    JsonNode whole = server.get("/v1/tasks/" + tid + "/output").json();
    assertEquals(0, whole.get("offset").asLong());
    assertEquals(12, whole.get("nextOffset").asLong());
    assertEquals("hello\nworld\n", whole.get("data").asText());
    assertFalse(whole.get("truncated").asBoolean());

    var rest = server.get("/v1/tasks/" + tid + "/output?offset=6");
    assertEquals(200, rest.status(), rest::toString);
    assertEquals(6, rest.json().get("offset").asLong());
    assertEquals("world\n", rest.json().get("data").asText());
    JsonNode end = server.get("/v1/tasks/" + tid + "/output?offset=12").json();
    assertEquals("", end.get("data").asText());
    assertEquals(12, end.get("nextOffset").asLong());
    assertBadRequest(server.get("/v1/tasks/" + tid + "/output?offset=-1"), "offset");
  }

  // ---- transitions

  @Test
  void pauseResumeCancelAnswer200AndThen409NamingTheStatus() {
    String sid = uid("s");
    String tid = server.dispatched(sid, bash(uid("t"), "sleep 30"));
    server.awaitStatus(sid, tid, "running");

    var paused = server.post("/v1/tasks/" + tid + "/pause", null);
    assertEquals(200, paused.status(), paused::toString);
    assertEquals("paused", paused.json().get("status").asText());
    assertEquals("paused", server.get("/v1/tasks/" + tid).json().get("status").asText());
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/pause", null), "paused");
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/input", "{\"text\":\"x\"}"), "paused");

    var resumed = server.post("/v1/tasks/" + tid + "/resume", null);
    assertEquals(200, resumed.status(), resumed::toString);
    assertTrue(Set.of("running", "pending").contains(resumed.json().get("status").asText()), resumed::toString);
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/resume", null), resumed.json().get("status").asText());

    var cancelled = server.post("/v1/tasks/" + tid + "/cancel", null);
    assertEquals(200, cancelled.status(), cancelled::toString);
    assertEquals("cancelled", cancelled.json().get("status").asText());
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/cancel", null), "cancelled");
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/pause", null), "cancelled");
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/resume", null), "cancelled");
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/input", "{\"text\":\"x\"}"), "cancelled");
  }

  @Test
  void aPausedPendingTaskResumesToPending() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\",\"maxConcurrentTasks\":1}", TOKEN);
    String blocker = server.dispatched(sid, bash(uid("block"), "sleep 30"));
    server.awaitStatus(sid, blocker, "running");
    String waiting = server.dispatched(sid, bash(uid("wait"), "true"));
    assertEquals("pending", server.get("/v1/tasks/" + waiting).json().get("status").asText());

    assertEquals("paused", server.post("/v1/tasks/" + waiting + "/pause", null).json().get("status").asText());
    var resumed = server.post("/v1/tasks/" + waiting + "/resume", null);

    assertEquals(200, resumed.status(), resumed::toString);
    assertEquals("pending", resumed.json().get("status").asText());
    server.delete("/v1/sessions/" + sid, TOKEN);
  }

  @Test
  void inputAnswersAQuestionAndThe409sNameTheStatus() {
    String sid = uid("s");
    // A running task that has asked nothing refuses an answer, naming its status.
    String silent = server.dispatched(sid, bash(uid("silent"), "sleep 30"));
    server.awaitStatus(sid, silent, "running");
    assertConflictNaming(server.post("/v1/tasks/" + silent + "/input", "{\"text\":\"early\"}"), "running");
    server.post("/v1/tasks/" + silent + "/cancel", null);

    String tid = server.dispatched(sid, bash(uid("ask"), ASK));
    server.awaitStatus(sid, tid, "input_required");

    JsonNode asking = server.get("/v1/tasks/" + tid).json();
    assertEquals("input_required", asking.get("status").asText());
    assertEquals("proceed?", asking.get("question").asText());
    assertBadRequest(server.post("/v1/tasks/" + tid + "/input", "{\"answer\":\"yes\"}"), null);
    assertBadRequest(server.post("/v1/tasks/" + tid + "/input", "{\"text\":5}"), "text");

    var answered = server.post("/v1/tasks/" + tid + "/input", "{\"text\":\"yes\"}");
    assertEquals(200, answered.status(), answered::toString);
    assertEquals("running", answered.json().get("status").asText());
    assertFalse(answered.json().has("question"), answered::toString);
    JsonNode done = server.finished(tid);
    assertEquals("completed", done.get("status").asText());
    assertTrue(done.get("result").get("stdoutTail").asText().contains("got yes"), done::toString);
    assertConflictNaming(server.post("/v1/tasks/" + tid + "/input", "{\"text\":\"again\"}"), "completed");
  }

  @Test
  void aTaskWaitingForAnAnswerCanBePausedAndResumesAskingTheSameQuestion() {
    String sid = uid("s");
    String tid = server.dispatched(sid, bash(uid("ask"), ASK));
    server.awaitStatus(sid, tid, "input_required");

    assertEquals("paused", server.post("/v1/tasks/" + tid + "/pause", null).json().get("status").asText());
    JsonNode resumed = server.post("/v1/tasks/" + tid + "/resume", null).json();

    assertEquals("input_required", resumed.get("status").asText());
    assertEquals("proceed?", resumed.get("question").asText());
    assertEquals("cancelled", server.post("/v1/tasks/" + tid + "/cancel", null).json().get("status").asText());
  }

  @Test
  void unknownTasksAnswer404OnEveryRoute() {
    String tid = uid("unknown");
    for (String path : List.of("/v1/tasks/" + tid, "/v1/tasks/" + tid + "/result", "/v1/tasks/" + tid + "/result?waitSeconds=1",
        "/v1/tasks/" + tid + "/output")) {
      assertProblem(server.get(path), 404, "not-found");
    }
    for (String verb : List.of("pause", "resume", "cancel")) {
      assertProblem(server.post("/v1/tasks/" + tid + "/" + verb, null), 404, "not-found");
    }
    assertProblem(server.post("/v1/tasks/" + tid + "/input", "{\"text\":\"x\"}"), 404, "not-found");
  }
}
