package io.taskforce.server.management;

import static io.taskforce.server.management.OperatorClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.server.ServerMain;
import io.taskforce.server.management.OperatorClient.Answer;
import io.taskforce.testing.TestConfigs;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.Test;

/**
 * {@code /ready} is 200 only while this member is Up and the journal's database answers; {@code
 * /alive} stays 200 meanwhile. Both are open (no credentials).
 */
class ReadinessTest {

  @Test
  void notReadyUntilTheMemberIsUp() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"readiness-test-token-0123\"",
        // The node starts without joining any cluster: its member is not Up.
        "taskforce.cluster.join-self-without-seeds = off")));
    try {
      String base = ManagementTest.base(server);
      TestProbe<Object> probe = TestProbe.create(server.system());
      // The database answers, so the membership is what the answer is about.
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
        server.taskforce().checkDatabase(Duration.ofSeconds(1)).toCompletableFuture().join();
        return null;
      });
      Answer notReady = get(base + "/ready", null);
      assertEquals(503, notReady.status(), notReady.toString());
      assertTrue(notReady.body().contains("ClusterMembershipCheck"), notReady.body());
      assertEquals(200, get(base + "/alive", null).status());

      Cluster cluster = Cluster.get(server.system());
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      probe.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(200), () -> {
        Answer ready = get(base + "/ready", null);
        assertEquals(200, ready.status(), ready.toString());
        return null;
      });
    } finally {
      server.stop();
    }
  }

  @Test
  void notReadyWhileTheJournalDatabaseCannotBeReachedAndReadyAgainOnceItCan() throws Exception {
    String database = TestConfigs.createPostgresDatabase("taskforce_ready");
    try {
      ServerMain server = ServerMain.start(TestConfigs.postgres(database, TestConfigs.freshDataDir(), String.join("\n",
          "taskforce.http.port = 0",
          "taskforce.server.token = \"readiness-test-token-0123\"")));
      try {
        String base = ManagementTest.base(server);
        TestProbe<Object> probe = TestProbe.create(server.system());
        probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
          Answer ready = get(base + "/ready", null);
          assertEquals(200, ready.status(), ready.toString());
          return null;
        });

        // The database refuses new connections and loses its open ones; the server is left alone.
        admin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false");
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
          Answer notReady = get(base + "/ready", null);
          assertEquals(503, notReady.status(), notReady.toString());
          assertTrue(notReady.body().contains("database"), notReady.body());
          return null;
        });
        assertEquals(200, get(base + "/alive", null).status());

        admin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
        probe.awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(300), () -> {
          Answer ready = get(base + "/ready", null);
          assertEquals(200, ready.status(), ready.toString());
          return null;
        });
      } finally {
        server.stop();
      }
    } finally {
      admin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
      TestConfigs.dropPostgresDatabase(database);
    }
  }

  private static void admin(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(TestConfigs.POSTGRES_ADMIN_URL, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
