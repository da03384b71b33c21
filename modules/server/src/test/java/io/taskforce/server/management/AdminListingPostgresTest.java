package io.taskforce.server.management;

import static io.taskforce.server.management.OperatorClient.basic;
import static io.taskforce.server.management.OperatorClient.bearer;
import static io.taskforce.server.management.OperatorClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.server.ServerMain;
import io.taskforce.server.management.OperatorClient.Answer;
import io.taskforce.testing.TestConfigs;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/**
 * The operators' listing across tenants on PostgreSQL, where several tenants' tasks share an
 * instant and even an id: pages of any size list every task exactly once, ordered by creation
 * (newest first), then task id, then tenant. The tied rows are written into the read model's
 * table directly (copies of a real task's row), since real dispatches rarely share a millisecond.
 */
class AdminListingPostgresTest {
  private static final String TOKEN = "admin-listing-token-0123456789";
  private static final String OPERATOR = basic("operator", "s3cret-password");

  record Row(long createdAt, String taskId, String tenant) {
    String key() {
      return tenant + "/" + taskId;
    }
  }

  @Test
  void pagesThroughTiesAcrossTenantsWithoutLosingOrRepeatingATask() throws Exception {
    String database = TestConfigs.createPostgresDatabase("taskforce_admin_listing");
    try {
      ServerMain server = ServerMain.start(TestConfigs.postgres(database, TestConfigs.freshDataDir(), String.join("\n",
          "taskforce.http.port = 0",
          "taskforce.server.token = \"" + TOKEN + "\"",
          "taskforce.server.admin-user = operator",
          "taskforce.server.admin-password = \"s3cret-password\"")));
      try {
        String api = "http://127.0.0.1:" + server.port();
        String admin = ManagementTest.base(server) + "/admin";
        TestProbe<Object> probe = TestProbe.create(server.system());
        Answer dispatched = OperatorClient.postJson(api + "/v1/sessions/s1/tasks", bearer(TOKEN),
            "{\"id\": \"template\", \"executor\": \"process\", \"input\": {\"command\": [\"true\"]}}");
        assertEquals(202, dispatched.status(), dispatched.toString());
        probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
          assertEquals("completed", get(api + "/v1/tasks/template", bearer(TOKEN)).json().get("status").asText());
          assertEquals(1, get(admin + "/tasks?status=completed", OPERATOR).json().get("items").size());
          return null;
        });

        long t = 1_900_000_000_000L;
        List<Row> rows = new ArrayList<>();
        // Three instants; at each, two ids, each in three tenants (a tenant's task id is unique).
        for (long createdAt : new long[] {t - 1, t, t + 1}) {
          for (String taskId : List.of("t-x-" + createdAt, "t-y-" + createdAt)) {
            for (String tenant : List.of("tie-a", "tie-b", "tie-c")) rows.add(new Row(createdAt, taskId, tenant));
          }
        }
        copyRow(database, rows);
        List<String> expected = rows.stream()
            .sorted(Comparator.comparingLong(Row::createdAt).thenComparing(Row::taskId).thenComparing(Row::tenant)
                .reversed())
            .map(Row::key)
            .toList();

        for (int limit : new int[] {1, 2, 5, 18, 500}) {
          List<String> listed = new ArrayList<>();
          String cursor = null;
          int pages = 0;
          do {
            Answer page = get(admin + "/tasks?status=running&limit=" + limit
                + (cursor == null ? "" : "&cursor=" + cursor), OPERATOR);
            assertEquals(200, page.status(), page.toString());
            for (JsonNode item : page.json().get("items")) {
              listed.add(item.get("tenant").asText() + "/" + item.get("task").get("id").asText());
            }
            cursor = page.json().hasNonNull("nextCursor") ? page.json().get("nextCursor").asText() : null;
            pages++;
          } while (cursor != null);
          assertEquals(expected, listed, "limit " + limit);
          // A next cursor only while more remain: no empty last page.
          assertEquals((expected.size() + limit - 1) / limit, pages, "pages of " + limit);
        }
      } finally {
        server.stop();
      }
    } finally {
      TestConfigs.dropPostgresDatabase(database);
    }
  }

  /** Copies of the template task's read-model row, one per {@code rows}, as running tasks. */
  private static void copyRow(String database, List<Row> rows) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "")) {
      String stateType;
      String stateJson;
      String viewJson;
      try (PreparedStatement ps = c.prepareStatement(
              "SELECT state_type, state_json, view_json FROM tf_rm_task WHERE task_id = 'template'");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        stateType = rs.getString(1);
        stateJson = rs.getString(2);
        viewJson = rs.getString(3);
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO tf_rm_task (tenant, task_id, session_id, status,"
          + " priority, created_at, updated_at, seq_nr, state_type, state_json, view_json)"
          + " VALUES (?, ?, 's1', 'running', 0, ?, ?, 1, ?, ?, ?)")) {
        for (Row row : rows) {
          ObjectNode view = (ObjectNode) OperatorClient.JSON.readTree(viewJson);
          view.put("id", row.taskId());
          view.put("status", "running");
          insert.setString(1, row.tenant());
          insert.setString(2, row.taskId());
          insert.setLong(3, row.createdAt());
          insert.setLong(4, row.createdAt());
          insert.setString(5, stateType);
          insert.setString(6, stateJson);
          insert.setString(7, view.toString());
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
  }
}
