package io.taskforce.http.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * server: {@code src/test/console-e2e/console.e2e.mjs} signs in, dispatches from the form, watches
 * progress, pauses and resumes, answers a question, follows output, reloads mid-run, survives a
 * dropped feed, opens the cluster view with the operator credentials, cancels, and fails on any
 * browser console error. Screenshots and the log land in
 * {@code target/console-e2e/}.
 */
class ConsoleBrowserTest {
  private static final Path ARTIFACTS = Path.of("target/console-e2e").toAbsolutePath();

  @Test
  void theConsoleDrivesTasksInARealBrowser() throws Exception {
    Path node = NodeAndChromium.assumeNodePackage("playwright-core");
    NodeAndChromium.assumeChromium();
    try (ConsoleTestServer server = ConsoleTestServer.withClusterView(0)) {
      io.taskforce.http.NodeScripts.Run run = NodeAndChromium.run(node, ARTIFACTS.resolve("console-e2e.log"), 300,
          List.of("console.e2e.mjs", server.base.toString(), ConsoleTestServer.TOKEN, ARTIFACTS.toString(),
              // Percent-encoded, so its non-ASCII letter survives any locale of the process's arguments.
              ConsoleTestServer.OPERATOR_USER, java.net.URLEncoder.encode(ConsoleTestServer.OPERATOR_PASSWORD,
                  java.nio.charset.StandardCharsets.UTF_8)),
          line -> {
            // The script asks for its feed to be cut, to see the console reconnect.
            if (line.equals("{\"request\":\"drop-connections\"}")) server.dropConnections(Duration.ofSeconds(3));
            // And for the operator password to change, to see the cluster view ask again.
            if (line.equals("{\"request\":\"change-operator-password\"}")) server.changeOperatorPassword();
          });
      assertEquals(0, run.exitCode(), run.output());
      for (String step : List.of("sign-in-form", "sign-in-link", "dispatch", "progress-moves", "pause", "resume",
          "answer", "task-detail", "output-follows", "reload", "reconnect", "screenshots", "cluster-sign-in",
          "cluster-refreshes", "cluster-refused", "cancel",
          "no-console-errors", "done")) {
        assertTrue(run.output().contains("{\"step\":\"" + step + "\""), "step " + step + " missing:\n" + run.output());
      }
      for (String screenshot : List.of("session-desktop.png", "session-phone.png", "sessions-phone.png", "task-detail-desktop.png",
          "cluster-desktop.png", "cluster-phone.png")) {
        assertTrue(Files.size(ARTIFACTS.resolve(screenshot)) > 10_000, screenshot + " is missing or empty");
      }
    }
  }
}
