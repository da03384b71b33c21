package io.taskforce.http.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console's JavaScript is served as written (no build step); its JSDoc types are checked by
 * TypeScript ({@code tsc --checkJs}, strict, {@code src/test/console-e2e/jsconfig.json}).
 */
class ConsoleTypeCheckTest {

  @Test
  void theConsolesJavaScriptTypeChecks() {
    Path node = NodeAndChromium.assumeNodePackage("typescript");
    io.taskforce.http.NodeScripts.Run run = NodeAndChromium.run(node, Path.of("target/console-e2e/tsc.log"), 180,
        List.of("node_modules/typescript/bin/tsc", "-p", "jsconfig.json", "--listFiles"));
    assertEquals(0, run.exitCode(), run.output());
    // The check saw the console's files (an include that matched nothing would pass vacuously).
    for (String file : List.of("app.js", "api.js", "feed.js", "session.js", "tasks.js", "task.js", "dispatch.js", "cluster.js")) {
      assertEquals(true, run.output().contains("/io/taskforce/http/console/" + file), file + " was not checked:\n" + run.output());
    }
  }
}
