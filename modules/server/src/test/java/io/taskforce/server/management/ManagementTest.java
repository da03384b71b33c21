package io.taskforce.server.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.server.ServerMain;
import io.taskforce.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/** Pekko Management for operators: open health checks, cluster routes behind the credentials. */
class ManagementTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void healthChecksAreOpenAndClusterRoutesNeedTheOperatorCredentials() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"management-test-token-0123\"",
        "taskforce.server.admin-user = operator",
        "taskforce.server.admin-password = \"s3cret-password\"")));
    try {
      String base = server.management().toString().replaceAll("/$", "");
      assertEquals(200, get(base + "/alive", null).statusCode());
      TestProbe<Object> probe = TestProbe.create(server.system());
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
        assertEquals(200, get(base + "/ready", null).statusCode());
        return null;
      });
      HttpResponse<String> anonymous = get(base + "/cluster/members", null);
      assertEquals(401, anonymous.statusCode());
      assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
      assertEquals(401, get(base + "/cluster/members", basic("operator", "wrong")).statusCode());
      HttpResponse<String> members = get(base + "/cluster/members", basic("operator", "s3cret-password"));
      assertEquals(200, members.statusCode());
      assertTrue(members.body().contains("\"status\":\"Up\""), members.body());
      // Read-only by default: a member cannot be made to leave through these routes.
      HttpResponse<String> leave = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/cluster/members"))
          .header("Authorization", basic("operator", "s3cret-password"))
          .POST(HttpRequest.BodyPublishers.ofString("operation=leave")).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(leave.statusCode() >= 400, "leave answered " + leave.statusCode());
    } finally {
      server.stop();
    }
  }

  @Test
  void withoutOperatorCredentialsTheClusterRoutesAreNotServed() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"management-test-token-0123\"")));
    try {
      String base = server.management().toString().replaceAll("/$", "");
      assertEquals(200, get(base + "/alive", null).statusCode());
      assertEquals(404, get(base + "/cluster/members", basic("anyone", "anything")).statusCode());
    } finally {
      server.stop();
    }
  }

  private static HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) request.header("Authorization", authorization);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
