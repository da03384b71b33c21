package io.taskforce.server.http;

import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.http.HttpApi;
import io.taskforce.http.Operation;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI document at {@code /v1/openapi.json} and the routes the server has are the same set. */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch", "head", "options");
  private static TestServer server;
  private static JsonNode document;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    document = server.get("/v1/openapi.json").json();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static Set<String> documented() {
    Set<String> operations = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
      var path = paths.next();
      path.getValue().fieldNames().forEachRemaining(method -> {
        if (METHODS.contains(method)) operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
      });
    }
    return operations;
  }

  private static Set<String> served() {
    Set<String> operations = new TreeSet<>();
    for (Operation operation : server.operations()) operations.add(operation.method() + " " + operation.template());
    operations.add("GET /v1/openapi.json");
    return operations;
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    assertEquals(served(), documented());
  }

  @Test
  void everyDocumentedOperationIsServed() {
    for (String operation : documented()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1).replace("{sid}", uid("s")).replace("{tid}", uid("t"));
      String body = method.equals("POST") ? "{}" : null;

      var response = server.call(method, path, body, TestServer.TOKEN);

      assertNotEquals(405, response.status(), () -> operation + ": " + response);
      ProblemAssert.assertNotProblem(response, "no-route", "method-not-allowed");
    }
  }

  @Test
  void theServedDocumentIsTheRepositoryFile() throws Exception {
    var response = server.get("/v1/openapi.json");
    byte[] file;
    try (InputStream in = HttpApi.class.getResourceAsStream("/taskforce/openapi.json")) {
      file = in.readAllBytes();
    }

    assertEquals(200, response.status());
    assertTrue(response.contentType().startsWith("application/json"), response.contentType());
    assertArrayEquals(file, response.body());
    assertTrue(document.get("openapi").asText().startsWith("3.1."), document.get("openapi").asText());
  }

  @Test
  void theDocumentedAnswersAreThoseOfTheContract() {
    JsonNode paths = document.get("paths");
    assertStatuses(paths.get("/v1/sessions").get("post"), "201", "400", "401", "409", "413");
    assertStatuses(paths.get("/v1/sessions/{sid}/tasks").get("post"), "200", "202", "400", "401", "403", "409", "413", "429", "503");
    assertStatuses(paths.get("/v1/tasks/{tid}/result").get("get"), "200", "202", "400", "401", "404");
    assertStatuses(paths.get("/v1/sessions/{sid}/events").get("get"), "200", "401", "404", "410");
    for (String verb : new String[] {"pause", "resume", "cancel", "input"}) {
      assertStatuses(paths.get("/v1/tasks/{tid}/" + verb).get("post"), "200", "401", "404", "409");
    }
    var dispatch = paths.get("/v1/sessions/{sid}/tasks").get("post").get("responses");
    assertTrue(dispatch.get("202").get("headers").has("Location"));
    assertTrue(document.get("components").get("responses").get("TooManyRequests").get("headers").has("Retry-After"));
    assertTrue(document.get("components").get("responses").get("Unauthorized").get("headers").has("WWW-Authenticate"));
    assertTrue(paths.get("/v1/sessions/{sid}/events").get("get").get("responses").get("200").get("content").has("text/event-stream"));
    assertEquals("bearer", document.get("components").get("securitySchemes").get("bearer").get("scheme").asText());
  }

  private static void assertStatuses(JsonNode operation, String... statuses) {
    for (String status : statuses) {
      assertTrue(operation.get("responses").has(status), () -> operation.get("operationId") + " documents " + status);
    }
  }
}
