package io.taskforce.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI document the API serves is well formed: 3.1, every reference resolves, every error is a problem. */
class OpenApiDocumentTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
  private static JsonNode document;

  @BeforeAll
  static void read() throws Exception {
    try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/taskforce/openapi.json")) {
      assertNotNull(in, "the resource /taskforce/openapi.json");
      document = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void isOpenApi31WithABearerScheme() {
    assertTrue(document.get("openapi").asText().startsWith("3.1."));
    JsonNode bearer = document.at("/components/securitySchemes/bearer");
    assertEquals("http", bearer.get("type").asText());
    assertEquals("bearer", bearer.get("scheme").asText());
    assertEquals("bearer", document.get("security").get(0).fieldNames().next());
  }

  @Test
  void everyReferenceResolves() {
    walk(document, (key, value) -> {
      if (key.equals("$ref")) {
        String ref = value.asText();
        assertTrue(ref.startsWith("#/"), ref);
        assertFalse(document.at(ref.substring(1)).isMissingNode(), () -> "unresolved " + ref);
      }
    });
  }

  @Test
  void everyOperationHasAUniqueIdAndAnswersProblemsForErrors() {
    Set<String> ids = new HashSet<>();
    forEachOperation((name, operation) -> {
      assertTrue(ids.add(operation.get("operationId").asText()), () -> "duplicate operationId at " + name);
      for (Iterator<Map.Entry<String, JsonNode>> it = operation.get("responses").fields(); it.hasNext(); ) {
        var response = it.next();
        JsonNode resolved = resolve(response.getValue());
        if (Integer.parseInt(response.getKey()) >= 400) {
          assertTrue(resolved.get("content").has("application/problem+json"), () -> name + " " + response.getKey());
        }
      }
      if (!name.equals("get /v1/openapi.json")) {
        assertTrue(operation.get("responses").has("401"), () -> name + " documents 401");
      }
    });
  }

  @Test
  void retryAfterGoesWith429And503() {
    JsonNode responses = document.at("/components/responses");
    assertTrue(responses.at("/TooManyRequests/headers").has("Retry-After"));
    assertTrue(responses.at("/Unavailable/headers").has("Retry-After"));
    assertTrue(responses.at("/Unauthorized/headers").has("WWW-Authenticate"));
  }

  private static JsonNode resolve(JsonNode node) {
    return node.has("$ref") ? document.at(node.get("$ref").asText().substring(1)) : node;
  }

  private static void forEachOperation(BiConsumer<String, JsonNode> action) {
    document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(entry -> {
      if (METHODS.contains(entry.getKey())) action.accept(entry.getKey() + " " + path.getKey(), entry.getValue());
    }));
  }

  private static void walk(JsonNode node, BiConsumer<String, JsonNode> visit) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        visit.accept(e.getKey(), e.getValue());
        walk(e.getValue(), visit);
      });
    } else if (node.isArray()) {
      node.forEach(child -> walk(child, visit));
    }
  }
}
