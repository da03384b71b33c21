package io.taskforce.server.management;

import static io.taskforce.server.management.OperatorClient.basic;
import static io.taskforce.server.management.OperatorClient.bearer;
import static io.taskforce.server.management.OperatorClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.server.ServerMain;
import io.taskforce.server.management.OperatorClient.Answer;
import io.taskforce.server.management.PrometheusText.Sample;
import io.taskforce.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: the node's meters in the Prometheus text format (parsed strictly), behind
 * the operator credentials, every series tagged with the node; dispatches, task counts by status,
 * the node's slots and the JVM's own meters are there.
 */
class MetricsTest {
  private static final String TOKEN = "metrics-test-token-0123456789";
  private static final String OPERATOR = basic("operator", "s3cret-password");

  @Test
  void theNodesMetersInThePrometheusTextFormat() throws Exception {
    ServerMain server = ServerMain.start(TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.http.port = 0",
        "taskforce.server.token = \"" + TOKEN + "\"",
        "taskforce.server.admin-user = operator",
        "taskforce.server.admin-password = \"s3cret-password\"",
        "taskforce.metrics.task-counts-interval = 200ms")));
    try {
      String api = "http://127.0.0.1:" + server.port();
      String metrics = ManagementTest.base(server) + "/metrics";
      String node = Cluster.get(server.system()).selfMember().address().toString();
      TestProbe<Object> probe = TestProbe.create(server.system());

      assertEquals(401, get(metrics, null).status());
      assertEquals(401, get(metrics, basic("operator", "wrong")).status());

      String spec = "{\"executor\": \"process\", \"input\": {\"command\": [\"true\"]}}";
      for (int i = 0; i < 3; i++) {
        Answer dispatched = OperatorClient.postJson(api + "/v1/sessions/metrics/tasks", bearer(TOKEN), spec);
        assertEquals(202, dispatched.status(), dispatched.toString());
      }

      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
        Answer answer = get(metrics, OPERATOR);
        assertEquals(200, answer.status(), answer.toString());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", answer.contentType().toLowerCase().replace("\"", ""));
        PrometheusText text = PrometheusText.parse(answer.body());

        // Every series carries the node.
        for (Sample sample : text.samples) assertEquals(node, sample.labels().get("node"), sample.toString());

        // The dispatches: a histogram (so percentiles can be computed across nodes) with the three.
        assertEquals("histogram", text.families.get("taskforce_dispatch_seconds").type());
        assertEquals(3.0, only(text.find("taskforce_dispatch_seconds_count", Map.of())).value());
        assertTrue(text.find("taskforce_dispatch_seconds_bucket", Map.of()).size() > 10);
        assertEquals("histogram", text.families.get("taskforce_dispatch_to_start_seconds").type());
        assertEquals("histogram", text.families.get("taskforce_journal_write_seconds").type());

        // The tasks of every tenant by status: the three completed, refreshed from the read model.
        assertEquals("gauge", text.families.get("taskforce_tasks").type());
        assertEquals(3.0, only(text.find("taskforce_tasks", Map.of("status", "completed"))).value());
        for (String status : List.of("pending", "running", "paused", "input_required", "completed", "failed", "cancelled")) {
          assertEquals(1, text.find("taskforce_tasks", Map.of("status", status)).size(), status);
        }

        // This node's slots, and the JVM.
        assertEquals("gauge", text.families.get("taskforce_attempts_running").type());
        assertEquals("gauge", text.families.get("taskforce_attempts_queued").type());
        assertFalse(text.find("jvm_memory_used_bytes", Map.of()).isEmpty());
        assertFalse(text.find("jvm_threads_live_threads", Map.of()).isEmpty());
        assertFalse(text.find("process_uptime_seconds", Map.of()).isEmpty());
        return null;
      });
    } finally {
      server.stop();
    }
  }

  @Test
  void theParserRefusesWhatTheFormatDoesNotAllow() {
    PrometheusText ok = PrometheusText.parse(String.join("\n",
        "# HELP a_total A \\\\ help\\nline",
        "# TYPE a_total counter",
        "a_total{x=\"q\\\"uote\\\\ \\n\",y=\"\"} 1.5e3 1700000000000",
        "# TYPE h histogram",
        "h_bucket{le=\"1.0\"} 1",
        "h_bucket{le=\"+Inf\"} 2",
        "h_count 2",
        "h_sum NaN",
        "g -Inf",
        ""));
    assertEquals("q\"uote\\ \n", ok.find("a_total", Map.of()).get(0).labels().get("x"));
    assertEquals(2.0, ok.find("h_count", Map.of()).get(0).value());
    for (String bad : List.of(
        "a 1",                                      // no final line feed
        "1a 1\n",                                   // bad name
        "a{1x=\"v\"} 1\n",                          // bad label name
        "a{x=v} 1\n",                               // unquoted value
        "a{x=\"\\t\"} 1\n",                         // bad escape
        "a{x=\"v\" 1\n",                            // unterminated labels
        "a one\n",                                  // bad value
        "a 1 2 3\n",                                // too many fields
        "a 1\na 2\n",                               // the same series twice
        "a 1\nb 1\na{x=\"y\"} 1\n",                 // a family in two groups
        "a 1\n# TYPE a gauge\n",                    // TYPE after samples
        "# TYPE a gauge\n# TYPE a gauge\na 1\n",    // TYPE twice
        "# TYPE a sometype\na 1\n",                 // unknown type
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n", // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n", // no +Inf
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\nh_sum 1\n")) { // count disagrees
      assertThrows(AssertionError.class, () -> PrometheusText.parse(bad), bad);
    }
  }

  private static Sample only(List<Sample> samples) {
    assertEquals(1, samples.size(), samples.toString());
    return samples.get(0);
  }
}
