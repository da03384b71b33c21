package io.taskforce.server.management;

import static io.taskforce.server.management.OperatorClient.basic;
import static io.taskforce.server.management.OperatorClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.server.ServerMain;
import io.taskforce.server.management.OperatorClient.Answer;
import io.taskforce.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/**
 * Pekko Management for operators: the health checks and Cluster Bootstrap's routes are open;
 * everything else (cluster routes, /admin, /metrics) needs the operator credentials, and is not
 * served at all without them; nothing else Pekko Management could serve (/startup, the stock
 * cluster routes) is.
 */
class ManagementTest {
  private static final String OPERATOR = basic("operator", "s3cret-password");

  @Test
  void healthChecksAreOpenAndClusterRoutesNeedTheOperatorCredentials() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"management-test-token-0123\"",
        "taskforce.server.admin-user = operator",
        "taskforce.server.admin-password = \"s3cret-password\"")));
    try {
      String base = base(server);
      assertEquals(200, get(base + "/alive", null).status());
      TestProbe<Object> probe = TestProbe.create(server.system());
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
        assertEquals(200, get(base + "/ready", null).status());
        return null;
      });
      Answer anonymous = get(base + "/cluster/members", null);
      assertEquals(401, anonymous.status());
      assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
      assertEquals(401, get(base + "/cluster/members", basic("operator", "wrong")).status());
      assertEquals(401, get(base + "/cluster/members", basic("someone", "s3cret-password")).status());
      Answer members = get(base + "/cluster/members", OPERATOR);
      assertEquals(200, members.status());
      assertTrue(members.body().contains("\"status\":\"Up\""), members.body());
      // Read-only by default: a member cannot be made to leave through these routes.
      Answer leave = OperatorClient.postJson(base + "/cluster/members", OPERATOR, "operation=leave");
      assertTrue(leave.status() >= 400, "leave answered " + leave);
    } finally {
      server.stop();
    }
  }

  @Test
  void withCredentialsConfiguredOnlyTheHealthChecksAndBootstrapAnswerWithoutThem() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"management-test-token-0123\"",
        "taskforce.server.admin-user = operator",
        "taskforce.server.admin-password = \"s3cret-password\"")));
    try {
      String base = base(server);
      TestProbe<Object> probe = TestProbe.create(server.system());
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
        assertEquals(200, get(base + "/ready", null).status());
        return null;
      });
      assertEquals(200, get(base + "/alive", null).status());
      assertEquals("OK", get(base + "/alive", null).body());
      // Cluster Bootstrap's route: other nodes ask it before they could have any credentials.
      assertEquals(200, get(base + "/bootstrap/seed-nodes", null).status());

      // Pekko's own health provider also serves /startup; Taskforce's does not.
      assertEquals(404, get(base + "/startup", null).status());
      assertEquals(404, get(base + "/startup", OPERATOR).status());
      assertEquals(404, get(base + "/no-such-route", null).status());

      for (String path : List.of("/cluster/members", "/cluster/members/", "/cluster/shards/task",
          "/cluster/domain-events", "/cluster", "/admin", "/admin/tasks", "/admin/tasks?status=running",
          "/admin/nodes", "/admin/shards", "/admin/no-such-route", "/metrics")) {
        Answer anonymous = get(base + path, null);
        assertEquals(401, anonymous.status(), path + ": " + anonymous);
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("")
            .startsWith("Basic realm=\"taskforce-operators\""), path + ": " + anonymous.headers().map().toString());
        assertTrue(anonymous.contentType().startsWith("application/problem+json"), path + ": " + anonymous.contentType());
        assertEquals("/problems/unauthorized", anonymous.json().get("type").asText());
        assertEquals(401, get(base + path, basic("operator", "not-the-password")).status(), path);
      }
      for (String path : List.of("/admin/tasks/default/t-1/cancel", "/admin/nodes/"
          + java.net.URLEncoder.encode("pekko://taskforce@127.0.0.1:2551", java.nio.charset.StandardCharsets.UTF_8)
          + "/drain", "/cluster/members")) {
        assertEquals(401, OperatorClient.post(base + path, null).status(), "POST " + path);
      }
      // With the credentials, an unknown admin route is a problem+json 404 and a wrong method a 405.
      Answer unknown = get(base + "/admin/no-such-route", OPERATOR);
      assertEquals(404, unknown.status(), unknown.toString());
      assertEquals("/problems/not-found", unknown.json().get("type").asText());
      Answer wrongMethod = OperatorClient.post(base + "/admin/tasks", OPERATOR);
      assertEquals(405, wrongMethod.status(), wrongMethod.toString());
      assertEquals("/problems/method-not-allowed", wrongMethod.json().get("type").asText());
      assertTrue(wrongMethod.headers().firstValue("Allow").orElse("").contains("GET"), wrongMethod.headers().map().toString());
    } finally {
      server.stop();
    }
  }

  @Test
  void withoutOperatorCredentialsNothingButTheHealthChecksAndBootstrapIsServed() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"management-test-token-0123\"",
        // A user alone is not enough: both are needed.
        "taskforce.server.admin-user = operator")));
    try {
      String base = base(server);
      assertEquals(200, get(base + "/alive", null).status());
      assertEquals(200, get(base + "/bootstrap/seed-nodes", null).status());
      for (String path : List.of("/cluster/members", "/cluster/shards/task", "/admin/tasks", "/admin/nodes",
          "/admin/shards", "/metrics", "/startup")) {
        assertEquals(404, get(base + path, basic("operator", "anything")).status(), path);
        assertEquals(404, get(base + path, null).status(), path);
      }
      assertEquals(404, OperatorClient.post(base + "/admin/tasks/default/t-1/cancel", null).status());
    } finally {
      server.stop();
    }
  }

  @Test
  void theManagementPortServesTaskforcesRouteProvidersAndClusterBootstrapsOnly() {
    // A library that registers a route provider of its own (as pekko-management-cluster-http does).
    Config withAStrayProvider = ConfigFactory.parseString(
            "pekko.management.http.routes.some-library = \"com.example.SomeRoutes\"")
        .withFallback(TestConfigs.h2(TestConfigs.freshDataDir(), "taskforce.http.port = 0"));
    Config settings = ServerMain.managementSettings(withAStrayProvider)
        .withFallback(ConfigFactory.defaultReference());
    Map<String, String> served = new TreeMap<>();
    settings.getConfig("pekko.management.http.routes").root().forEach((name, value) -> {
      Object fqcn = value.unwrapped();
      if (fqcn != null && !fqcn.toString().isEmpty()) served.put(name, fqcn.toString());
    });
    assertEquals(Map.of(
        "cluster-bootstrap", "org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap$",
        "health-checks", "io.taskforce.server.admin.HealthRoutes",
        "taskforce-admin", "io.taskforce.server.admin.AdminRoutes",
        "taskforce-cluster", "io.taskforce.server.OperatorClusterRoutes",
        "taskforce-metrics", "io.taskforce.server.admin.MetricsRoutes"), served);
    assertEquals(List.of("Up"), settings.getStringList("pekko.management.cluster.health-check.ready-states"));
    assertEquals("io.taskforce.server.admin.DatabaseReadinessCheck",
        settings.getString("pekko.management.health-checks.readiness-checks.taskforce-database"));
    assertEquals("org.apache.pekko.management.cluster.scaladsl.ClusterMembershipCheck",
        settings.getString("pekko.management.health-checks.readiness-checks.cluster-membership"));
  }

  static String base(ServerMain server) {
    return server.management().toString().replaceAll("/$", "");
  }
}
