package io.taskforce.server.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md describes RollingRestartTest's set-up and the retry window it asserts; this
 * (not a cluster test: it runs in every build) fails when the two drift apart.
 */
class RollingRestartDocTest {

  @Test
  void theOperationsGuideStatesTheClientsAndTheRetryWindowThatRollingRestartTestUses() throws IOException {
    String docs = Files.readString(operationsGuide(), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
    int at = docs.indexOf("measured by `RollingRestartTest`");
    assertTrue(at >= 0, "docs/operations.md no longer describes RollingRestartTest's measurements");
    String paragraph = docs.substring(at, Math.min(docs.length(), docs.indexOf("**Node loss.**", at)));
    assertTrue(paragraph.contains(RollingRestartTest.CLIENTS + " clients dispatching"),
        "the test runs " + RollingRestartTest.CLIENTS + " clients; docs/operations.md says: " + paragraph);
    assertTrue(paragraph.contains("longer than " + RollingRestartTest.RETRY_WINDOW.toSeconds() + " s"),
        "the test asserts a retry window of " + RollingRestartTest.RETRY_WINDOW.toSeconds()
            + " s; docs/operations.md says: " + paragraph);
  }

  private static Path operationsGuide() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path guide = d.resolve("docs/operations.md");
      if (Files.isRegularFile(guide)) return guide;
    }
    throw new IllegalStateException("no docs/operations.md above " + Path.of("").toAbsolutePath());
  }
}
