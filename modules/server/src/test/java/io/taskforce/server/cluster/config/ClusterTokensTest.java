package io.taskforce.server.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.taskforce.server.ServerMain;
import io.taskforce.server.ServerTokens;
import io.taskforce.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster takes its tokens from configuration, the same on every node: a node that is part of a
 * cluster (PostgreSQL journal, seed nodes or discovery) never generates one of its own.
 */
class ClusterTokensTest {
  private static final Map<String, String> POSTGRES = Map.of(
      "TASKFORCE_JOURNAL", "postgres", "TASKFORCE_DB_URL", "jdbc:postgresql://127.0.0.1:1/unused");

  @TempDir
  Path temp;

  @Test
  void aClusterNodeWithoutTokensIsRefusedAndWritesNoTokenFile() throws Exception {
    Path dataDir = Files.createDirectories(temp.resolve("node"));
    var refused = assertThrows(IllegalStateException.class,
        () -> ServerTokens.resolve(ConfFiles.load(POSTGRES), dataDir, true));
    assertTrue(refused.getMessage().contains("TASKFORCE_TOKEN or TASKFORCE_TOKENS"), refused.getMessage());
    assertTrue(refused.getMessage().contains("the same on every node"), refused.getMessage());
    assertFalse(Files.exists(dataDir.resolve(ServerTokens.TOKEN_FILE)));
  }

  @Test
  void everyNodeGivenTheSameVariablesHasTheSameTokens() {
    Map<String, String> env = new java.util.HashMap<>(POSTGRES);
    env.put("TASKFORCE_TOKENS", "alpha=alpha-token-0123456789,beta=beta-token-0123456789");
    env.put("TASKFORCE_TOKEN", "default-token-0123456789");
    Config config = ConfFiles.load(env);
    ServerTokens.Resolved a = ServerTokens.resolve(config, temp.resolve("a"), true);
    ServerTokens.Resolved b = ServerTokens.resolve(config, temp.resolve("b"), true);
    assertEquals(Map.of("alpha-token-0123456789", "alpha", "beta-token-0123456789", "beta",
        "default-token-0123456789", "default"), a.tenantByToken());
    assertEquals(a.tenantByToken(), b.tenantByToken());
    assertNull(a.generatedFile());
    assertFalse(Files.exists(temp.resolve("a").resolve(ServerTokens.TOKEN_FILE)));
  }

  @Test
  void aShortClusterTokenIsRefused() {
    Map<String, String> env = new java.util.HashMap<>(POSTGRES);
    env.put("TASKFORCE_TOKENS", "alpha=short");
    var refused = assertThrows(IllegalArgumentException.class,
        () -> ServerTokens.resolve(ConfFiles.load(env), temp, true));
    assertTrue(refused.getMessage().contains("shorter than 16"), refused.getMessage());
  }

  @Test
  void aSingleNodeOnH2GeneratesItsTokenOnceIntoTheDataDirectory() throws Exception {
    Path dataDir = Files.createDirectories(temp.resolve("single"));
    ServerTokens.Resolved first = ServerTokens.resolve(ConfFiles.load(Map.of()), dataDir, false);
    Path file = dataDir.resolve(ServerTokens.TOKEN_FILE);
    assertEquals(file, first.generatedFile());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(first.tenantByToken(), ServerTokens.resolve(ConfFiles.load(Map.of()), dataDir, false).tenantByToken());
  }

  @Test
  void theServerRefusesToStartAClusterNodeWithoutTokensBeforeItTouchesTheDatabase() {
    // Nothing listens on port 1: the refusal must come first, with the variables to set.
    Config postgres = TestConfigs.postgresAt("jdbc:postgresql://127.0.0.1:1/unused", temp.resolve("pg"), "");
    var refused = assertThrows(IllegalStateException.class, () -> ServerMain.start(postgres));
    assertTrue(refused.getMessage().contains("TASKFORCE_TOKEN"), refused.getMessage());

    // Static seed nodes make a cluster too, whatever the journal.
    Config seeded = TestConfigs.h2(temp.resolve("seeded"), "pekko.cluster.seed-nodes = [\"pekko://taskforce@127.0.0.1:2551\"]");
    var alsoRefused = assertThrows(IllegalStateException.class, () -> ServerMain.start(seeded));
    assertTrue(alsoRefused.getMessage().contains("TASKFORCE_TOKEN"), alsoRefused.getMessage());
    assertFalse(Files.exists(temp.resolve("seeded").resolve(ServerTokens.TOKEN_FILE)));
  }
}
