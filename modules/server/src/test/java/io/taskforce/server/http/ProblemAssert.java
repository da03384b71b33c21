package io.taskforce.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks an answer is the API's problem+json (RFC 9457) of the expected status and word. */
final class ProblemAssert {
  private ProblemAssert() {}

  static JsonNode assertProblem(TestServer.Response response, int status, String word) {
    assertEquals(status, response.status(), () -> "status of " + response);
    assertTrue(response.contentType().startsWith("application/problem+json"),
        () -> "content type " + response.contentType() + " of " + response);
    JsonNode problem = response.json();
    assertEquals("/problems/" + word, problem.path("type").asText(), () -> "type of " + response);
    assertEquals(status, problem.path("status").asInt(), () -> "status field of " + response);
    assertTrue(problem.path("title").isTextual() && !problem.path("title").asText().isBlank(), () -> "title of " + response);
    assertTrue(problem.path("detail").isTextual() && !problem.path("detail").asText().isBlank(), () -> "detail of " + response);
    return problem;
  }

  /** A 400 naming {@code field}. */
  static JsonNode assertBadRequest(TestServer.Response response, String field) {
    assertEquals(400, response.status(), () -> "status of " + response);
    JsonNode problem = assertProblem(response, 400, response.json().path("type").asText().replace("/problems/", ""));
    if (field != null) assertEquals(field, problem.path("field").asText(), () -> "field of " + response);
    return problem;
  }

  /** A 409 whose detail names the task's current status. */
  static void assertConflictNaming(TestServer.Response response, String currentStatus) {
    JsonNode problem = assertProblem(response, 409, "conflict");
    assertTrue(problem.get("detail").asText().contains(currentStatus),
        () -> "the detail should name the status " + currentStatus + ": " + response);
  }

  static void assertNotProblem(TestServer.Response response, String... words) {
    for (String word : words) {
      assertFalse(response.text().contains("\"/problems/" + word + "\""), () -> "answered " + word + ": " + response);
    }
  }
}
