package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertBadRequest;
import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /v1/sessions}: create, list with paging, get, close. */
class SessionsApiTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void createAnswers201WithTheSession() {
    String id = uid("s");
    var response = server.createSession(
        "{\"id\":\"" + id + "\",\"title\":\"review\",\"maxConcurrentTasks\":2,\"metadata\":{\"owner\":\"me\"}}", TOKEN);

    assertEquals(201, response.status(), response::toString);
    assertTrue(response.contentType().startsWith("application/json"), response.contentType());
    JsonNode session = response.json();
    assertEquals(id, session.get("id").asText());
    assertEquals("review", session.get("title").asText());
    assertEquals("active", session.get("status").asText());
    Instant.parse(session.get("createdAt").asText());
    assertTrue(session.get("createdAt").asText().endsWith("Z"), "UTC timestamps");
    assertEquals(2, session.get("maxConcurrentTasks").asInt());
    for (String status : List.of("pending", "running", "paused", "input_required", "completed", "failed", "cancelled")) {
      assertEquals(0, session.get("counts").get(status).asLong(), status);
    }
    assertEquals(0, session.get("lastEventSeq").asLong());
    assertEquals(0, session.get("ackedEventSeq").asLong());
    assertEquals("me", session.get("metadata").get("owner").asText());
  }

  @Test
  void createWithoutIdOrBodyGeneratesAnId() {
    var withEmptyObject = server.createSession("{}", TOKEN);
    var withoutBody = server.createSession(null, TOKEN);

    assertEquals(201, withEmptyObject.status(), withEmptyObject::toString);
    assertEquals(201, withoutBody.status(), withoutBody::toString);
    assertFalse(withEmptyObject.json().get("id").asText().isBlank());
    assertFalse(withEmptyObject.json().get("id").asText().equals(withoutBody.json().get("id").asText()));
  }

  @Test
  void createWithAnExistingIdAnswers409() {
    String id = uid("s");
    assertEquals(201, server.createSession("{\"id\":\"" + id + "\"}", TOKEN).status());

    assertProblem(server.createSession("{\"id\":\"" + id + "\",\"title\":\"again\"}", TOKEN), 409, "conflict");
  }

  @Test
  void createRefusesInvalidFields() {
    assertBadRequest(server.createSession("{\"maxConcurrentTasks\":\"two\"}", TOKEN), "maxConcurrentTasks");
    assertBadRequest(server.createSession("{\"maxConcurrentTasks\":0}", TOKEN), "maxConcurrentTasks");
    assertBadRequest(server.createSession("{\"id\":\"has space\"}", TOKEN), "id");
    assertBadRequest(server.createSession("{\"colour\":\"red\"}", TOKEN), "colour");
  }

  @Test
  void getAnswersTheSessionAnd404ForAnUnknownOne() {
    String id = uid("s");
    server.createSession("{\"id\":\"" + id + "\",\"title\":\"t\"}", TOKEN);

    var found = server.get("/v1/sessions/" + id);
    assertEquals(200, found.status(), found::toString);
    assertEquals(id, found.json().get("id").asText());
    assertProblem(server.get("/v1/sessions/" + uid("unknown")), 404, "not-found");
  }

  @Test
  void listPagesNewestFirstWithCursors() {
    String prefix = uid("page");
    List<String> created = List.of(prefix + "-1", prefix + "-2", prefix + "-3");
    for (String id : created) server.createSession("{\"id\":\"" + id + "\"}", TOKEN);

    List<String> listed = TestServer.eventually(Duration.ofSeconds(20),
        () -> TestServer.ids(server.listAll("/v1/sessions?limit=2", TOKEN)),
        ids -> ids.containsAll(created));

    assertEquals(new HashSet<>(listed).size(), listed.size(), "no session twice across pages: " + listed);
    List<String> ours = listed.stream().filter(created::contains).toList();
    assertEquals(List.of(prefix + "-3", prefix + "-2", prefix + "-1"), ours, "newest first");
    var first = server.get("/v1/sessions?limit=2");
    assertEquals(2, first.json().get("items").size());
    assertTrue(first.json().get("nextCursor").isTextual(), "a full page has a nextCursor");
  }

  @Test
  void lastPageHasNoNextCursor() {
    var all = server.get("/v1/sessions?limit=500");
    assertEquals(200, all.status(), all::toString);
    assertFalse(all.json().has("nextCursor") && !all.json().get("nextCursor").isNull(), all::toString);
  }

  @Test
  void listRefusesABadLimit() {
    assertBadRequest(server.get("/v1/sessions?limit=0"), "limit");
    assertBadRequest(server.get("/v1/sessions?limit=many"), "limit");
    assertBadRequest(server.get("/v1/sessions?limit=100000"), "limit");
  }

  @Test
  void deleteClosesTheSessionCancelsItsTasksAndRefusesDispatches() {
    String id = uid("s");
    String running = server.dispatched(id, bash(uid("t"), "sleep 30"));

    var closed = server.delete("/v1/sessions/" + id, TOKEN);

    assertEquals(200, closed.status(), closed::toString);
    assertEquals("closed", closed.json().get("status").asText());
    assertEquals("cancelled", server.finished(running).get("status").asText());
    assertEquals("closed", server.get("/v1/sessions/" + id).json().get("status").asText());
    assertProblem(server.dispatch(id, bash(uid("t"), "true")), 409, "conflict");
  }

  @Test
  void deleteOfAnUnknownSessionAnswers404() {
    assertProblem(server.delete("/v1/sessions/" + uid("unknown"), TOKEN), 404, "not-found");
  }

  @Test
  void sessionCountsItsTasksByStatus() {
    String id = uid("s");
    String task = server.dispatched(id, bash(uid("t"), "true"));
    server.finished(task);

    JsonNode session = server.get("/v1/sessions/" + id).json();
    assertEquals(1, session.get("counts").get("completed").asLong(), session::toString);
    assertTrue(session.get("lastEventSeq").asLong() >= 3, session::toString);
    Set<String> keys = new HashSet<>();
    session.get("counts").fieldNames().forEachRemaining(keys::add);
    assertEquals(Set.of("pending", "running", "paused", "input_required", "completed", "failed", "cancelled"), keys);
  }
}
