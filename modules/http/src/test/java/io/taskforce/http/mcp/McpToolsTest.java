package io.taskforce.http.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.testing.TestExecutors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tools and the protocol's task methods over real Taskforce tasks. */
class McpToolsTest {
  static McpTestServer server;

  @BeforeAll
  static void start() {
    server = McpTestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String uid(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static McpClient connected() {
    McpClient client = server.client();
    client.initialize("2025-11-25", McpClient.object("{\"elicitation\":{}}"), Map.of());
    return client;
  }

  private static JsonNode structured(JsonNode toolResult) {
    assertFalse(toolResult.path("isError").asBoolean(false), toolResult.toString());
    return toolResult.get("structuredContent");
  }

  private static String text(JsonNode toolResult) {
    return toolResult.path("content").get(0).path("text").asText();
  }

  @Test
  void toolsAreListedWithSchemasAndTaskSupport() {
    McpClient client = connected();
    JsonNode tools = client.result("tools/list", null).get("tools");
    Set<String> names = new HashSet<>();
    for (JsonNode tool : tools) {
      names.add(tool.get("name").asText());
      assertEquals("object", tool.path("inputSchema").path("type").asText(), tool.toString());
      assertTrue(tool.path("description").asText().length() > 40, tool.toString());
      String support = tool.path("execution").path("taskSupport").asText();
      assertEquals(tool.get("name").asText().equals("run_subagent") ? "optional" : "forbidden", support, tool.toString());
    }
    assertEquals(Set.of("dispatch_task", "run_subagent", "get_task", "get_task_result", "list_tasks", "pause_task",
        "resume_task", "cancel_task", "answer_task", "get_updates"), names);
    assertTrue(tools.get(0).path("inputSchema").path("properties").path("executor").path("description").asText().contains("echo"));
  }

  @Test
  void dispatchThenResultThenUpdatesOnce() {
    McpClient client = connected();
    JsonNode dispatched = structured(client.tool("dispatch_task",
        "{\"executor\":\"echo\",\"input\":{\"n\":7},\"title\":\"echo seven\",\"context\":{\"purpose\":\"demo\"}}"));
    String id = dispatched.get("id").asText();
    JsonNode done = structured(client.tool("get_task_result", "{\"task_id\":\"" + id + "\",\"wait_seconds\":20}"));
    assertEquals("completed", done.get("status").asText());
    assertEquals(7, done.path("result").path("echo").path("n").asInt());
    assertEquals("completed", structured(client.tool("get_task", "{\"task_id\":\"" + id + "\"}")).get("status").asText());

    JsonNode updates = client.tool("get_updates", "{}");
    JsonNode items = structured(updates).get("updates");
    assertEquals(1, items.size(), updates.toString());
    assertEquals(id, items.get(0).get("task_id").asText());
    assertEquals("task.completed", items.get(0).get("type").asText());
    assertEquals("demo", items.get(0).path("context").path("purpose").asText());
    assertTrue(text(updates).contains("echo seven") && text(updates).contains("completed"), text(updates));
    // Acknowledged: the next call has no news.
    assertEquals(0, structured(client.tool("get_updates", "{}")).get("updates").size());

    JsonNode listed = structured(client.tool("list_tasks", "{}"));
    assertEquals(id, listed.get("tasks").get(0).get("id").asText());
  }

  @Test
  void badArgumentsAndRefusalsAreToolErrorsTheModelCanRead() {
    McpClient client = connected();
    for (String[] call : new String[][] {
        {"dispatch_task", "{\"input\":{}}", "executor"},
        {"dispatch_task", "{\"executor\":\"echo\",\"bogus\":1}", "bogus"},
        {"dispatch_task", "{\"executor\":\"no-such-executor\"}", "unknown executor"},
        {"dispatch_task", "{\"executor\":\"echo\",\"max_attempts\":0}", "max_attempts"},
        {"dispatch_task", "{\"executor\":\"echo\",\"retry_on\":[\"sometimes\"]}", "retry_on"},
        {"get_task", "{\"task_id\":\"t-does-not-exist\"}", "Not found"},
        {"get_task_result", "{\"task_id\":\"x\",\"wait_seconds\":61}", "wait_seconds"},
        {"answer_task", "{\"task_id\":\"x\"}", "text"},
        {"list_tasks", "{\"status\":[\"sleeping\"]}", "status"},
    }) {
      JsonNode result = client.tool(call[0], call[1]);
      assertTrue(result.path("isError").asBoolean(), call[1] + " → " + result);
      assertTrue(text(result).contains(call[2]), call[1] + " → " + text(result));
    }
  }

  @Test
  void pauseResumeCancelAndAnswer() throws Exception {
    McpClient client = connected();
    String gate = uid("gate");
    String id = structured(client.tool("dispatch_task", "{\"executor\":\"gate\",\"input\":{\"gate\":\"" + gate + "\"}}")).get("id").asText();
    TestExecutors.gateStarted(gate).get(20, TimeUnit.SECONDS);
    assertEquals("paused", structured(client.tool("pause_task", "{\"task_id\":\"" + id + "\"}")).get("status").asText());
    assertTrue(client.tool("pause_task", "{\"task_id\":\"" + id + "\"}").path("isError").asBoolean()); // not twice
    assertEquals("running", structured(client.tool("resume_task", "{\"task_id\":\"" + id + "\"}")).get("status").asText());
    assertEquals("cancelled", structured(client.tool("cancel_task", "{\"task_id\":\"" + id + "\"}")).get("status").asText());

    String asker = structured(client.tool("dispatch_task", "{\"executor\":\"asker\",\"input\":{\"question\":\"color?\"}}"))
        .get("id").asText();
    JsonNode asking = awaitStatus(client, asker, "input_required");
    assertEquals("color?", asking.get("question").asText());
    JsonNode updates = client.tool("get_updates", "{}");
    assertTrue(text(updates).contains("color?") && text(updates).contains("answer_task"), text(updates));
    structured(client.tool("answer_task", "{\"task_id\":\"" + asker + "\",\"text\":\"blue\"}"));
    JsonNode done = structured(client.tool("get_task_result", "{\"task_id\":\"" + asker + "\",\"wait_seconds\":20}"));
    assertEquals("blue", done.path("result").path("answer").asText());
  }

  private static JsonNode awaitStatus(McpClient client, String id, String status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      JsonNode task = structured(client.tool("get_task", "{\"task_id\":\"" + id + "\"}"));
      if (task.get("status").asText().equals(status)) return task;
      Thread.sleep(100);
    }
    throw new AssertionError("task " + id + " did not become " + status);
  }

  /**
   * A cancel racing the completion: never an error, and a final status never changes. Each race
   * releases a task's completion and its cancel together, one of them held back by a skew that
   * sweeps a window around the point where they cross, until both orders have been seen (and at
   * least 8 races run): a cancel that won (cancelled) and one that came too late (completed,
   * answered as it is).
   */
  @Test
  void cancelRacingCompletionNeverErrsNorChangesAFinalStatus() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    Map<String, Integer> outcomes = new java.util.TreeMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int raced = 0;
    try {
      while ((outcomes.size() < 2 || raced < 8) && System.nanoTime() < deadline) {
        // A session runs 4 tasks at once by default: 4 a round, each started before the race.
        McpClient client = connected();
        List<String> ids = new ArrayList<>();
        List<String> gates = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          String gate = uid("race");
          gates.add(gate);
          ids.add(structured(client.tool("dispatch_task", "{\"executor\":\"gate\",\"input\":{\"gate\":\"" + gate + "\"}}"))
              .get("id").asText());
        }
        for (String gate : gates) TestExecutors.gateStarted(gate).get(20, TimeUnit.SECONDS);
        List<CompletableFuture<JsonNode>> cancels = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
          String id = ids.get(i);
          String gate = gates.get(i);
          // The completion's path is in-process, the cancel's a request: measured here, a cancel
          // released at the same moment never won. So the skew sweeps from the completion held
          // back 36 ms (the cancel wins) to the cancel held back 9 ms (the completion wins), in 3 ms
          // steps; the crossing, where the two truly race, lies inside that window.
          long skewMicros = ((raced + i) % 16 * 3 - 36) * 1000L;
          McpClient own = server.client();
          own.sessionId = client.sessionId;
          own.version = client.version;
          own.result("ping", null); // its connection is open before the race
          java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
          CompletableFuture.runAsync(() -> {
            await(go);
            if (skewMicros < 0) java.util.concurrent.locks.LockSupport.parkNanos(-skewMicros * 1000); // completion later
            TestExecutors.gate(gate).complete(McpClient.object("{\"ok\":true}"));
          }, pool);
          cancels.add(CompletableFuture.supplyAsync(() -> {
            await(go);
            if (skewMicros > 0) java.util.concurrent.locks.LockSupport.parkNanos(skewMicros * 1000); // cancel later
            return own.tool("cancel_task", "{\"task_id\":\"" + id + "\"}");
          }, pool));
          go.countDown();
        }
        for (int i = 0; i < ids.size(); i++) {
          JsonNode answer = cancels.get(i).get(30, TimeUnit.SECONDS);
          JsonNode task = structured(answer); // never isError
          String status = task.get("status").asText();
          assertTrue(status.equals("cancelled") || status.equals("completed"), answer.toString());
          if (status.equals("completed")) {
            assertTrue(task.path("result").path("ok").asBoolean(), answer.toString());
            assertTrue(text(answer).contains("had already completed"), text(answer));
          } else {
            assertFalse(task.has("result") && !task.get("result").isNull(), answer.toString());
          }
          outcomes.merge(status, 1, Integer::sum);
          JsonNode later = structured(client.tool("get_task_result", "{\"task_id\":\"" + ids.get(i) + "\",\"wait_seconds\":10}"));
          assertEquals(status, later.get("status").asText(), "a final status changed");
          // Another cancel of the final task: still no error, still the same status.
          assertEquals(status, structured(client.tool("cancel_task", "{\"task_id\":\"" + ids.get(i) + "\"}")).get("status").asText());
          // The protocol's tasks/cancel refuses a final task with -32602 and changes nothing either.
          JsonNode refused = client.call("tasks/cancel", McpClient.object("{\"taskId\":\"" + ids.get(i) + "\"}"));
          assertEquals(JsonRpc.INVALID_PARAMS, refused.path("error").path("code").asInt(), refused.toString());
          assertEquals(status, structured(client.tool("get_task", "{\"task_id\":\"" + ids.get(i) + "\"}")).get("status").asText());
        }
        raced += ids.size();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Set.of("cancelled", "completed"), outcomes.keySet(),
        "both orders of the race must have happened within the deadline; seen after " + raced + " races: " + outcomes);
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) throw new AssertionError("the race did not start");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- the tasks utility

  @Test
  void taskAugmentedRunSubagentAndTheTaskMethods() throws Exception {
    McpClient client = connected();
    String gate = uid("aug");
    ObjectNode params = McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"gate\",\"title\":\"t\","
        + "\"input\":{\"gate\":\"" + gate + "\"}},\"task\":{\"ttl\":60000}}");
    JsonNode created = client.result("tools/call", params);
    JsonNode task = created.get("task");
    String id = task.get("taskId").asText();
    assertEquals("working", task.get("status").asText(), created.toString());
    assertTrue(task.get("ttl").isNull(), "Taskforce keeps tasks: ttl is unlimited");
    assertTrue(task.get("pollInterval").asLong() > 0);
    assertNotNull(task.get("createdAt").asText());
    assertNotNull(task.get("lastUpdatedAt").asText());
    assertTrue(created.path("_meta").path(TaskMapping.IMMEDIATE_RESPONSE).isTextual());

    JsonNode got = client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}"));
    assertEquals(id, got.get("taskId").asText());
    assertEquals("working", got.get("status").asText());
    JsonNode listed = client.result("tasks/list", McpClient.object("{}"));
    assertTrue(listed.get("tasks").findValuesAsText("taskId").contains(id), listed.toString());

    // tasks/result blocks until the task ends, on an SSE stream.
    CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(
        () -> client.call("tasks/result", McpClient.object("{\"taskId\":\"" + id + "\"}")));
    TestExecutors.gateStarted(gate).get(20, TimeUnit.SECONDS);
    Thread.sleep(300);
    assertFalse(result.isDone(), "tasks/result answered before the task ended");
    TestExecutors.gate(gate).complete(McpClient.object("{\"answer\":42}"));
    JsonNode answer = result.get(30, TimeUnit.SECONDS).get("result");
    assertEquals(42, answer.path("structuredContent").path("result").path("answer").asInt(), answer.toString());
    assertFalse(answer.path("isError").asBoolean(false));
    assertEquals(id, answer.path("_meta").path(TaskMapping.RELATED_TASK).path("taskId").asText());
    assertEquals("completed", client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}")).get("status").asText());

    // tasks/cancel of a final task: -32602, and the status stays.
    JsonNode refused = client.call("tasks/cancel", McpClient.object("{\"taskId\":\"" + id + "\"}"));
    assertEquals(JsonRpc.INVALID_PARAMS, refused.path("error").path("code").asInt(), refused.toString());
    assertEquals("completed", client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}")).get("status").asText());

    // tasks/cancel of a working task: cancelled before the answer.
    String other = uid("aug");
    String otherId = client.result("tools/call", McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"gate\","
        + "\"input\":{\"gate\":\"" + other + "\"}},\"task\":{}}")).get("task").get("taskId").asText();
    JsonNode cancelled = client.result("tasks/cancel", McpClient.object("{\"taskId\":\"" + otherId + "\"}"));
    assertEquals("cancelled", cancelled.get("status").asText());
    JsonNode cancelledResult = client.result("tasks/result", McpClient.object("{\"taskId\":\"" + otherId + "\"}"));
    assertTrue(cancelledResult.path("isError").asBoolean(), cancelledResult.toString());

    // Another session's task is unknown to this one's task methods.
    McpClient stranger = connected();
    assertEquals(JsonRpc.INVALID_PARAMS, stranger.call("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}"))
        .path("error").path("code").asInt());
    // And another tenant's task is unknown to its tools.
    McpClient otherTenant = server.client(McpTestServer.OTHER_TOKEN);
    otherTenant.initialize();
    assertTrue(otherTenant.tool("get_task", "{\"task_id\":\"" + id + "\"}").path("isError").asBoolean());
  }

  private static String runAsTask(McpClient client, String argumentsJson, String meta) {
    return client.result("tools/call", McpClient.object("{\"name\":\"run_subagent\",\"arguments\":" + argumentsJson
        + ",\"task\":{}" + (meta == null ? "" : ",\"_meta\":" + meta) + "}")).get("task").get("taskId").asText();
  }

  private static JsonNode awaitTaskState(McpClient client, String id, String status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      JsonNode task = client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}"));
      if (task.get("status").asText().equals(status)) return task;
      Thread.sleep(50);
    }
    throw new AssertionError("task " + id + " did not become " + status + " in tasks/get");
  }

  @Test
  void progressOfATaskAugmentedCallGoesWithThatCallsTokenNotTheResultRequests() {
    McpClient client = connected();
    String name = uid("tick");
    String id = runAsTask(client, "{\"executor\":\"ticker\",\"input\":{\"name\":\"" + name + "\",\"ticks\":300}}",
        "{\"progressToken\":\"call-token\"}");
    List<JsonNode> others = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tasks/result",
        McpClient.object("{\"taskId\":\"" + id + "\",\"_meta\":{\"progressToken\":\"result-token\"}}"), others::add);
    assertEquals(300, response.path("result").path("structuredContent").path("result").path("ticks").asInt(), response.toString());
    List<JsonNode> progress = others.stream().filter(m -> "notifications/progress".equals(m.path("method").asText())).toList();
    assertFalse(progress.isEmpty(), "no progress on the tasks/result stream: " + others);
    double last = -1;
    for (JsonNode message : progress) {
      assertEquals("call-token", message.path("params").path("progressToken").asText(), message.toString());
      assertEquals(id, message.path("params").path("_meta").path(TaskMapping.RELATED_TASK).path("taskId").asText());
      double value = message.path("params").path("progress").asDouble();
      assertTrue(value > last, "progress must grow: " + progress);
      last = value;
    }

    // A task-augmented call without a token: tasks/result's own token reports nothing for it.
    String quiet = runAsTask(client, "{\"executor\":\"ticker\",\"input\":{\"name\":\"" + uid("tick") + "\",\"ticks\":100}}", null);
    List<JsonNode> none = new CopyOnWriteArrayList<>();
    client.call("tasks/result", McpClient.object("{\"taskId\":\"" + quiet + "\",\"_meta\":{\"progressToken\":\"r\"}}"), none::add);
    assertTrue(none.stream().noneMatch(m -> "notifications/progress".equals(m.path("method").asText())), none.toString());
  }

  @Test
  void aQuestionShowsAsInputRequiredInTasksGetAndAnswerTaskAnswersIt() throws Exception {
    McpClient client = connected();
    String id = runAsTask(client, "{\"executor\":\"asker\",\"input\":{\"question\":\"which port?\"}}", null);
    JsonNode asking = awaitTaskState(client, id, "input_required");
    assertTrue(asking.get("statusMessage").asText().contains("which port?"), asking.toString());
    assertTrue(asking.get("pollInterval").asLong() > 0, asking.toString());
    structured(client.tool("answer_task", "{\"task_id\":\"" + id + "\",\"text\":\"8080\"}"));
    JsonNode result = client.result("tasks/result", McpClient.object("{\"taskId\":\"" + id + "\"}"));
    assertEquals("8080", result.path("structuredContent").path("result").path("answer").asText(), result.toString());
    assertEquals("completed", client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}")).get("status").asText());
  }

  @Test
  void tasksListPagesWithARealNextCursor() {
    McpClient client = connected();
    Set<String> dispatched = new HashSet<>();
    for (int i = 0; i < McpEndpoint.TASKS_PAGE + 5; i++) {
      dispatched.add(structured(client.tool("dispatch_task", "{\"executor\":\"echo\",\"input\":{\"i\":" + i + "}}"))
          .get("id").asText());
    }
    JsonNode first = client.result("tasks/list", McpClient.object("{}"));
    assertEquals(McpEndpoint.TASKS_PAGE, first.get("tasks").size(), first.toString());
    assertTrue(first.path("nextCursor").isTextual(), "a full page must carry a nextCursor: " + first);
    JsonNode second = client.result("tasks/list", McpClient.object("{\"cursor\":\"" + first.get("nextCursor").asText() + "\"}"));
    assertEquals(5, second.get("tasks").size(), second.toString());
    assertFalse(second.has("nextCursor"), "the last page has no nextCursor: " + second);
    List<String> listed = new ArrayList<>(first.get("tasks").findValuesAsText("taskId"));
    listed.addAll(second.get("tasks").findValuesAsText("taskId"));
    assertEquals(listed.size(), new HashSet<>(listed).size(), "a task listed twice: " + listed);
    assertEquals(dispatched, new HashSet<>(listed));
  }

  @Test
  void aDeclinedElicitationLeavesTheQuestionToAnswerTask() {
    McpClient client = connected();
    String id = runAsTask(client, "{\"executor\":\"asker\",\"input\":{\"question\":\"deploy now?\"}}", null);
    List<JsonNode> elicitations = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tasks/result", McpClient.object("{\"taskId\":\"" + id + "\"}"), message -> {
      if (!"elicitation/create".equals(message.path("method").asText())) return;
      elicitations.add(message);
      assertEquals(202, client.reply(message.get("id"), McpClient.object("{\"action\":\"decline\"}")).status());
      // Declined: the task still asks, and the model answers it with answer_task.
      assertEquals("input_required", client.result("tasks/get", McpClient.object("{\"taskId\":\"" + id + "\"}"))
          .get("status").asText());
      structured(client.tool("answer_task", "{\"task_id\":\"" + id + "\",\"text\":\"later\"}"));
    });
    assertEquals(1, elicitations.size(), "asked once, not again after the decline: " + elicitations);
    assertEquals("later", response.path("result").path("structuredContent").path("result").path("answer").asText(), response.toString());
  }

  @Test
  void aClientWithoutElicitationIsNotAskedAndAnswerTaskAnswers() throws Exception {
    McpClient client = server.client();
    client.initialize("2025-11-25", McpClient.object("{}"), Map.of());
    String id = runAsTask(client, "{\"executor\":\"asker\",\"input\":{\"question\":\"which file?\"}}", null);
    List<JsonNode> others = new CopyOnWriteArrayList<>();
    CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(
        () -> client.call("tasks/result", McpClient.object("{\"taskId\":\"" + id + "\"}"), others::add));
    awaitTaskState(client, id, "input_required");
    assertFalse(result.isDone(), "tasks/result answered while the task asks");
    structured(client.tool("answer_task", "{\"task_id\":\"" + id + "\",\"text\":\"README.md\"}"));
    JsonNode response = result.get(30, TimeUnit.SECONDS);
    assertEquals("README.md", response.path("result").path("structuredContent").path("result").path("answer").asText(), response.toString());
    assertTrue(others.stream().noneMatch(m -> "elicitation/create".equals(m.path("method").asText())), others.toString());
  }

  @Test
  void aQuestionIsElicitedOnTheResultStreamAndItsAnswerGoesToTheTask() throws Exception {
    McpClient client = connected();
    String id = client.result("tools/call", McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"asker\","
        + "\"input\":{\"question\":\"which branch?\"}},\"task\":{}}")).get("task").get("taskId").asText();
    List<JsonNode> seen = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tasks/result", McpClient.object("{\"taskId\":\"" + id + "\"}"), message -> {
      seen.add(message);
      if ("elicitation/create".equals(message.path("method").asText())) {
        assertEquals(id, message.path("params").path("_meta").path(TaskMapping.RELATED_TASK).path("taskId").asText());
        assertTrue(message.path("params").path("message").asText().contains("which branch?"));
        McpClient.Response r = client.reply(message.get("id"),
            McpClient.object("{\"action\":\"accept\",\"content\":{\"answer\":\"main\"}}"));
        assertEquals(202, r.status());
      }
    });
    assertTrue(seen.stream().anyMatch(m -> "elicitation/create".equals(m.path("method").asText())), seen.toString());
    assertEquals("main", response.path("result").path("structuredContent").path("result").path("answer").asText(), response.toString());
  }

  @Test
  void aPlainRunSubagentStreamsProgressUntilItsResult() {
    McpClient client = connected();
    String name = uid("tick");
    ObjectNode params = McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"ticker\","
        + "\"input\":{\"name\":\"" + name + "\",\"ticks\":150}},\"_meta\":{\"progressToken\":\"p-1\"}}");
    List<JsonNode> progress = new CopyOnWriteArrayList<>();
    JsonNode response = client.call("tools/call", params, progress::add);
    JsonNode result = response.get("result");
    assertEquals(150, result.path("structuredContent").path("result").path("ticks").asInt(), response.toString());
    assertFalse(progress.isEmpty(), "no progress notification");
    double last = -1;
    for (JsonNode message : progress) {
      assertEquals("notifications/progress", message.path("method").asText());
      assertEquals("p-1", message.path("params").path("progressToken").asText());
      double value = message.path("params").path("progress").asDouble();
      assertTrue(value > last, "progress must grow: " + progress);
      last = value;
    }
  }

  @Test
  void theGetStreamCarriesStatusNotificationsOfTheSessionsTasks() throws Exception {
    McpClient client = connected();
    HttpResponse<java.io.InputStream> stream = client.http().send(
        client.request(Map.of("Accept", "text/event-stream")).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
    List<JsonNode> notes = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> completedSeen = new CompletableFuture<>();
    Thread readerThread = new Thread(() -> {
      try {
        for (String line; (line = reader.readLine()) != null; ) {
          if (!line.startsWith("data:")) continue;
          JsonNode message = McpClient.JSON.readTree(line.substring(5).trim());
          notes.add(message);
          if ("completed".equals(message.path("params").path("status").asText())) completedSeen.complete(null);
        }
      } catch (Exception e) {
        // the stream is closed at the end of the test
      }
    });
    readerThread.setDaemon(true);
    readerThread.start();
    Thread.sleep(300); // the stream subscribes to the session's feed
    String gate = uid("note");
    String id = client.result("tools/call", McpClient.object("{\"name\":\"run_subagent\",\"arguments\":{\"executor\":\"gate\","
        + "\"input\":{\"gate\":\"" + gate + "\"}},\"task\":{}}")).get("task").get("taskId").asText();
    TestExecutors.gateStarted(gate).get(20, TimeUnit.SECONDS);
    TestExecutors.gate(gate).complete(McpClient.object("{}"));
    completedSeen.get(20, TimeUnit.SECONDS);
    stream.body().close();
    JsonNode last = notes.get(notes.size() - 1);
    assertEquals("notifications/tasks/status", last.path("method").asText());
    assertEquals(id, last.path("params").path("taskId").asText());
    assertTrue(last.path("params").has("createdAt") && last.path("params").has("lastUpdatedAt"), last.toString());
  }
}
