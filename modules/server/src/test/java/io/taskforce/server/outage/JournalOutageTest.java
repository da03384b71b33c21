package io.taskforce.server.outage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.server.ServerMain;
import io.taskforce.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/**
 * While the journal cannot be written, a dispatch answers 503 with Retry-After (never a task half
 * done); once the database is back, dispatches succeed again without a restart.
 */
class JournalOutageTest {
  private static final String TOKEN = "outage-test-token-0123456789";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicInteger ids = new AtomicInteger();

  @Test
  void aDispatchDuringADatabaseOutageAnswers503AndTheServerRecoversByItself() throws Exception {
    String database = TestConfigs.createPostgresDatabase("taskforce_outage");
    try (CuttableProxy proxy = new CuttableProxy(5432)) {
      ServerMain server = ServerMain.start(TestConfigs.postgresAt(
          "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database, TestConfigs.freshDataDir(),
          String.join("\n",
              "taskforce.http.port = 0",
              "taskforce.server.token = \"" + TOKEN + "\"",
              "taskforce.ask-timeout = 3s",
              "pekko-persistence-jdbc.shared-databases.taskforce.db.connectionTimeout = 2s")));
      try {
        String base = "http://127.0.0.1:" + server.port();
        TestProbe<Object> probe = TestProbe.create(server.system());
        assertEquals(202, dispatch(base).statusCode());

        proxy.cut();
        AtomicReference<HttpResponse<String>> refused = new AtomicReference<>();
        probe.awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
          HttpResponse<String> response = dispatch(base);
          assertEquals(503, response.statusCode(), response.body());
          refused.set(response);
          return null;
        });
        assertTrue(refused.get().headers().firstValue("Retry-After").isPresent());
        assertTrue(refused.get().body().contains("/problems/unavailable"), refused.get().body());

        proxy.restore();
        probe.awaitAssert(Duration.ofSeconds(90), Duration.ofMillis(500), () -> {
          HttpResponse<String> response = dispatch(base);
          assertEquals(202, response.statusCode(), response.body());
          String location = response.headers().firstValue("Location").orElseThrow();
          assertEquals(200, get(base + location).statusCode());
          return null;
        });
      } finally {
        server.stop();
      }
    } finally {
      TestConfigs.dropPostgresDatabase(database);
    }
  }

  private HttpResponse<String> dispatch(String base) {
    String body = "{\"id\": \"outage-" + ids.incrementAndGet() + "\", \"executor\": \"process\", "
        + "\"input\": {\"command\": [\"true\"]}}";
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions/outage/tasks"))
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + TOKEN)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
