package io.taskforce.http.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The official conformance suite ({@code @modelcontextprotocol/conformance}, server mode, pinned)
 * against {@code /mcp}, through a loopback proxy that adds the bearer token. The suite exits
 * non-zero when a scenario fails that {@code conformance-baseline.yml} does not list, and when a
 * listed one passes: the baseline holds exactly the scenarios of features Taskforce does not offer.
 * The scenarios that call fixture tools by name ({@code test_simple_text}, ...) call the test-only
 * {@link ConformanceFixtures}, served through the endpoint's extra tools.
 */
class McpConformanceTest {

  @Test
  void theConformanceSuitePassesAllButTheBaseline() {
    NodeTools.assumeInstalled("@modelcontextprotocol/conformance");
    try (McpTestServer server = McpTestServer.start(ConformanceFixtures.tools());
        BearerProxy proxy = BearerProxy.start(server.tf.system(), server.port, McpTestServer.TOKEN)) {
      String url = "http://127.0.0.1:" + proxy.port() + "/mcp";
      Path out = Path.of("target/mcp/conformance").toAbsolutePath();
      io.taskforce.http.NodeScripts.Run run = NodeTools.node(Path.of("target/mcp/conformance.log"), 600, List.of(
          "node_modules/@modelcontextprotocol/conformance/dist/index.js", "server", "--url", url,
          "--expected-failures", "conformance-baseline.yml", "-o", out.toString()));
      assertEquals(0, run.exitCode(), run.output());
      // What Taskforce does offer is among the scenarios the run passed.
      for (String scenario : List.of("server-initialize", "ping", "tools-list", "dns-rebinding-protection",
          "server-sse-multiple-streams", "tools-call-simple-text", "tools-call-error", "tools-call-with-progress",
          "tools-call-elicitation", "elicitation-sep1034-defaults", "elicitation-sep1330-enums")) {
        assertTrue(run.output().contains("✓ " + scenario + ":"), scenario + " did not pass:\n" + run.output());
      }
    }
  }
}
