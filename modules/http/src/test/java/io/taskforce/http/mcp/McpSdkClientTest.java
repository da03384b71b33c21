package io.taskforce.http.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The official TypeScript SDK client ({@code @modelcontextprotocol/sdk}, pinned in
 * {@code src/test/mcp-client/package.json}) drives a real server: list tools, dispatch and poll, a
 * task-augmented {@code run_subagent} through {@code callToolStream} until its result, list tasks,
 * cancel, updates ({@code sdk-client.mjs} checks each step and exits non-zero on the first miss).
 */
class McpSdkClientTest {

  @Test
  void theTypeScriptSdkClientDrivesTheServer() {
    NodeTools.assumeInstalled("@modelcontextprotocol/sdk");
    try (McpTestServer server = McpTestServer.start()) {
      io.taskforce.http.NodeScripts.Run run = NodeTools.node(Path.of("target/mcp/sdk-client.log"), 180,
          List.of("sdk-client.mjs", server.mcp.toString(), McpTestServer.TOKEN));
      assertEquals(0, run.exitCode(), run.output());
      for (String step : List.of("connected", "tools", "dispatch-and-poll", "run-subagent-stream", "list", "cancel", "updates", "done")) {
        assertTrue(run.output().contains("{\"step\":\"" + step + "\""), "step " + step + " missing:\n" + run.output());
      }
    }
  }
}
