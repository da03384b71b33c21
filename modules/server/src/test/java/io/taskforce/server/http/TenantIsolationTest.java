package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.OTHER_TOKEN;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.http.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenants never meet: another tenant's session or task is answered as an unknown one (404) on every
 * route, never listed, never in a feed, and its ids can be used again without a collision.
 */
class TenantIsolationTest {
  private static TestServer server;
  private static String session;
  private static String running;
  private static String asking;

  @BeforeAll
  static void start() {
    // Both tenants may use the process executor here, so that both can make tasks.
    server = TestServer.start("taskforce.executors.process.tenants = [default, other]");
    session = uid("s");
    server.createSession("{\"id\":\"" + session + "\",\"title\":\"default's\"}", TOKEN);
    running = server.dispatched(session, bash(uid("run"), "sleep 30").put("title", "default's"));
    asking = server.dispatched(session, bash(uid("ask"), "echo '::ask ok?'; read a").put("title", "default's"));
    server.awaitStatus(session, running, "running");
    server.awaitStatus(session, asking, "input_required");
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void anotherTenantsSessionAndTaskAre404OnEveryRoute() {
    List<String> covered = new ArrayList<>();
    for (Operation operation : server.operations()) {
      String template = operation.template();
      if (!template.contains("{sid}") && !template.contains("{tid}")) continue;
      if (operation.method().equals("POST") && template.equals("/v1/sessions/{sid}/tasks")) continue; // below
      String tid = template.endsWith("/input") ? asking : running;
      String path = template.replace("{sid}", session).replace("{tid}", tid);
      String body = template.endsWith("/input") ? "{\"text\":\"x\"}" : template.endsWith("/ack") ? "{\"upTo\":1}" : null;
      assertProblem(server.call(operation.method(), path, body, OTHER_TOKEN), 404, "not-found");
      covered.add(operation.method() + " " + template);
    }
    for (String path : List.of(
        "/v1/sessions/" + session + "/tasks?status=running",
        "/v1/sessions/" + session + "/events?after=0&waitSeconds=1",
        "/v1/tasks/" + running + "/result?waitSeconds=1",
        "/v1/tasks/" + running + "/output?offset=0")) {
      assertProblem(server.get(path, OTHER_TOKEN), 404, "not-found");
    }
    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + session + "/events", OTHER_TOKEN, Map.of())) {
      assertEquals(404, sse.status());
    }
    assertTrue(covered.size() >= 12, "routes covered: " + covered);

    // Nothing happened to them.
    JsonNode mine = server.get("/v1/sessions/" + session).json();
    assertEquals("active", mine.get("status").asText());
    assertEquals(0, mine.get("ackedEventSeq").asLong());
    assertEquals("running", server.get("/v1/tasks/" + running).json().get("status").asText());
    assertEquals("input_required", server.get("/v1/tasks/" + asking).json().get("status").asText());
  }

  @Test
  void listsShowNothingOfAnotherTenant() {
    TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/tasks", TOKEN)), ids -> ids.containsAll(List.of(running, asking)));
    TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/sessions", TOKEN)), ids -> ids.contains(session));

    List<String> theirSessions = TestServer.ids(server.listAll("/v1/sessions", OTHER_TOKEN));
    List<String> theirTasks = TestServer.ids(server.listAll("/v1/tasks", OTHER_TOKEN));
    List<String> theirActive = TestServer.ids(server.listAll("/v1/tasks?status=running,input_required", OTHER_TOKEN));

    assertFalse(theirSessions.contains(session), theirSessions::toString);
    assertFalse(theirTasks.contains(running) || theirTasks.contains(asking), theirTasks::toString);
    assertFalse(theirActive.contains(running) || theirActive.contains(asking), theirActive::toString);
  }

  @Test
  void anotherTenantUsesTheSameIdsWithoutMeetingThem() {
    String sid = uid("s");
    String tid = uid("t");
    server.createSession("{\"id\":\"" + sid + "\",\"title\":\"default's\"}", TOKEN);
    server.dispatched(sid, bash(tid, "sleep 30").put("title", "default's"));

    var theirSession = server.createSession("{\"id\":\"" + sid + "\",\"title\":\"other's\"}", OTHER_TOKEN);
    var theirTask = server.dispatch(sid, bash(tid, "echo other").put("title", "other's"), OTHER_TOKEN);

    assertEquals(201, theirSession.status(), theirSession::toString);
    assertEquals(202, theirTask.status(), theirTask::toString);
    assertEquals("other's", theirTask.json().get("title").asText());
    JsonNode theirResult = server.finished(tid, OTHER_TOKEN);
    assertEquals("other\n", theirResult.get("result").get("stdoutTail").asText());
    assertEquals("other's", server.get("/v1/sessions/" + sid, OTHER_TOKEN).json().get("title").asText());

    JsonNode mine = server.get("/v1/tasks/" + tid).json();
    assertEquals("default's", mine.get("title").asText());
    assertTrue(List.of("pending", "running").contains(mine.get("status").asText()), mine::toString);
    assertEquals("default's", server.get("/v1/sessions/" + sid).json().get("title").asText());

    // Each tenant's feed has only its own events.
    server.awaitEvent(sid, OTHER_TOKEN, e -> e.get("type").asText().equals("task.completed"));
    for (JsonNode event : server.get("/v1/sessions/" + sid + "/events?after=0", OTHER_TOKEN).json().get("events")) {
      assertEquals("other's", event.get("title").asText(), event::toString);
    }
    server.awaitStatus(sid, tid, "running");
    for (JsonNode event : server.get("/v1/sessions/" + sid + "/events?after=0").json().get("events")) {
      assertEquals("default's", event.get("title").asText(), event::toString);
    }

    // Within one tenant the id is taken; across tenants it never was.
    assertProblem(server.dispatch(uid("s"), bash(tid, "echo other"), OTHER_TOKEN), 409, "conflict");
    assertEquals(200, server.dispatch(sid, bash(tid, "sleep 30").put("title", "default's")).status());
    assertEquals(200, server.post("/v1/tasks/" + tid + "/cancel", null).status());
  }
}
