package io.taskforce.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void seedsFromTheEnvironmentBecomePekkoSeedNodes() {
    var config = ServerConfig.fromEnvironment(Map.of("TASKFORCE_SEEDS", "10.0.0.1:2551, node-b:2552"));
    assertEquals(List.of("pekko://taskforce@10.0.0.1:2551", "pekko://taskforce@node-b:2552"),
        config.getStringList("pekko.cluster.seed-nodes"));
  }

  @Test
  void noSeedsLeavesTheNodeToJoinItself() {
    assertTrue(ServerConfig.fromEnvironment(Map.of()).isEmpty());
    assertTrue(ServerConfig.load(Map.of()).getStringList("pekko.cluster.seed-nodes").isEmpty());
  }

  @Test
  void aMalformedSeedIsRefusedClearly() {
    var refused = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.fromEnvironment(Map.of("TASKFORCE_SEEDS", "10.0.0.1")));
    assertTrue(refused.getMessage().contains("host:port"));
  }
}
