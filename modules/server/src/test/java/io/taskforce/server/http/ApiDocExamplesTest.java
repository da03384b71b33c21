package io.taskforce.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.http.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The curl examples of {@code docs/api.md} (its {@code ```sh} blocks) run, in order, against a real
 * server, with {@code $TASKFORCE_URL} and {@code $TOKEN} set; each must exit 0. Every route has one.
 */
class ApiDocExamplesTest {
  private static final Path DOC = Path.of("../../docs/api.md");
  private static final Pattern SH_BLOCK = Pattern.compile("^```sh\\n(.*?)^```", Pattern.MULTILINE | Pattern.DOTALL);
  private static TestServer server;
  private static List<String> blocks;

  @BeforeAll
  static void start() throws Exception {
    blocks = new ArrayList<>();
    Matcher matcher = SH_BLOCK.matcher(Files.readString(DOC, StandardCharsets.UTF_8));
    while (matcher.find()) blocks.add(matcher.group(1));
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void everyExampleRunsAndExitsZero() throws Exception {
    assertTrue(blocks.size() >= 20, "examples found: " + blocks.size());
    Path output = Files.createTempFile("api-doc-example", ".txt");
    for (int i = 0; i < blocks.size(); i++) {
      String block = blocks.get(i);
      ProcessBuilder bash = new ProcessBuilder("bash", "-c", "set -e\n" + block)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile());
      bash.environment().put("TASKFORCE_URL", server.base.toString());
      bash.environment().put("TOKEN", TestServer.TOKEN);
      Process process = bash.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("example " + (i + 1) + " ran over 60 s:\n" + block);
      }
      String printed = Files.readString(output, StandardCharsets.UTF_8);
      int example = i + 1;
      assertEquals(0, process.exitValue(), () -> "example " + example + " failed:\n" + block + "\n--- it printed:\n" + printed);
    }
  }

  @Test
  void everyRouteHasAnExample() {
    List<String> commands = new ArrayList<>();
    for (String block : blocks) {
      for (String command : block.replace("\\\n", " ").split("\n")) commands.add(command);
    }
    List<String> missing = new ArrayList<>();
    for (Operation operation : server.operations()) {
      Pattern path = Pattern.compile(Pattern.quote("$TASKFORCE_URL")
          + operation.template().replace("{sid}", "[A-Za-z0-9._:-]+").replace("{tid}", "[A-Za-z0-9._:-]+")
          + "[\"?]");
      boolean found = commands.stream().anyMatch(c -> path.matcher(c).find()
          && (operation.method().equals("GET") ? !c.contains(" -X ") : c.contains("-X " + operation.method())));
      if (!found) missing.add(operation.method() + " " + operation.template());
    }
    assertEquals(List.of(), missing, "routes without a curl example in docs/api.md");
  }
}
