package io.taskforce.server.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import io.taskforce.server.ClusterFormation;
import io.taskforce.server.ServerMain;
import io.taskforce.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster Bootstrap as the server runs it ({@link ClusterFormation} after Pekko Management): two
 * server nodes on this machine find each other through Pekko Discovery and form one cluster; a node
 * alone does not join itself (it is not ready). The Kubernetes API discovery cannot run here, so the
 * {@code config} discovery method lists the two management ports instead; everything after the
 * lookup (contact points, the bootstrap routes, the join decision) is the same code.
 */
class BootstrapFormationTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path temp;

  @Test
  void twoNodesFormOneClusterThroughDiscoveryAndNeitherJoinsItselfAlone() throws Exception {
    String db = TestConfigs.createPostgresDatabase("tf_bootstrap");
    List<ServerMain> servers = new ArrayList<>();
    try {
      int first = freePort();
      int second = freePort();
      Config a = node(db, "a", first, first, second);
      Config b = node(db, "b", second, first, second);
      assertTrue(ClusterFormation.bootstrapEnabled(a));
      assertEquals(false, a.getBoolean("taskforce.cluster.join-self-without-seeds"));

      // Alone, with another contact point listed that fails every probe, it forms no cluster. A
      // stand-in on the second port counts the probes: once they have gone on for longer than the
      // bootstrap's stable margin (1 s) and its probing-failure-timeout (3 s), node A has had every
      // chance to decide, and it must still be no member that is Up.
      List<Long> probes = new CopyOnWriteArrayList<>();
      HttpServer standIn = HttpServer.create(new InetSocketAddress("127.0.0.1", second), 0);
      standIn.createContext("/", exchange -> {
        if (exchange.getRequestURI().getPath().startsWith("/bootstrap/seed-nodes")) probes.add(System.nanoTime());
        exchange.sendResponseHeaders(503, -1);
        exchange.close();
      });
      standIn.start();
      ServerMain nodeA;
      try {
        nodeA = ServerMain.start(a);
        servers.add(nodeA);
        awaitTrue("node A probed the silent contact point for 4 s", Duration.ofSeconds(45),
            () -> probes.size() >= 4 && probes.get(probes.size() - 1) - probes.get(0) >= Duration.ofSeconds(4).toNanos());
        assertNotEquals(MemberStatus.up(), Cluster.get(nodeA.system()).selfMember().status());
        assertNotEquals(200, status(nodeA, "/ready"));
        assertEquals(200, status(nodeA, "/alive"));
      } finally {
        standIn.stop(0);
      }

      ServerMain nodeB = ServerMain.start(b);
      servers.add(nodeB);
      awaitUpMembers(nodeA, 2, Duration.ofSeconds(45));
      awaitUpMembers(nodeB, 2, Duration.ofSeconds(15));
      assertEquals(200, status(nodeA, "/ready"));
      assertEquals(200, status(nodeB, "/ready"));
    } finally {
      for (int i = servers.size() - 1; i >= 0; i--) servers.get(i).stop();
      TestConfigs.dropPostgresDatabase(db);
    }
  }

  private Config node(String db, String name, int managementPort, int first, int second) {
    return ClusterFormation.derive(TestConfigs.postgres(db, temp.resolve(name), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"bootstrap-test-token-0123456789\"",
        "taskforce.server.management.host = \"127.0.0.1\"",
        "taskforce.server.management.port = " + managementPort,
        "taskforce.cluster.discovery.method = config",
        "pekko.discovery.config.services.taskforce.endpoints = [",
        "  {host = \"127.0.0.1\", port = " + first + "}, {host = \"127.0.0.1\", port = " + second + "}]",
        "pekko.management.cluster.bootstrap.contact-point-discovery {",
        "  service-name = taskforce",
        "  port-name = management",
        "  required-contact-point-nr = 2",
        "  stable-margin = 1s",
        "  interval = 500ms",
        "}")));
  }

  private static void awaitTrue(String what, Duration within, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError(what + ": not within " + within);
      Thread.sleep(100);
    }
  }

  private static void awaitUpMembers(ServerMain server, int count, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    long up = 0;
    while (System.nanoTime() < deadline) {
      up = StreamSupport.stream(Cluster.get(server.system()).state().getMembers().spliterator(), false)
          .filter(m -> m.status().equals(MemberStatus.up())).count();
      if (up == count) return;
      Thread.sleep(200);
    }
    throw new AssertionError("expected " + count + " members up, saw " + up + " within " + within);
  }

  private static int status(ServerMain server, String path) throws Exception {
    String base = server.management().toString().replaceAll("/$", "");
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
