package io.taskforce.server.http;

import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 200 dispatches at once, across a few sessions: each is answered 202 and each task exists. */
class ConcurrentDispatchTest {
  private static final int DISPATCHES = 200;
  private static TestServer server;

  @BeforeAll
  static void start() {
    // This test is about 200 dispatches at once being answered and stored, not about latency: on a
    // busy 2-core machine the H2 journal's commits queue up, so the facade waits longer than its
    // default 10 s before it would answer 503.
    server = TestServer.start("taskforce.ask-timeout = 30s");
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void twoHundredConcurrentDispatchesAllAnswer202AndAllTasksExist() throws Exception {
    List<String> sessions = List.of(uid("s"), uid("s"), uid("s"), uid("s"));
    List<String> taskIds = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < DISPATCHES; i++) {
      String tid = uid("c" + i);
      taskIds.add(tid);
      String sid = sessions.get(i % sessions.size());
      HttpRequest request = server.request("/v1/sessions/" + sid + "/tasks", TOKEN)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(bash(tid, "echo " + i).toString()))
          .build();
      answers.add(server.client().sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    Map<Integer, Integer> statuses = new TreeMap<>();
    for (var answer : answers) statuses.merge(answer.get().statusCode(), 1, Integer::sum);
    assertEquals(Map.of(202, DISPATCHES), statuses, "status codes of the dispatches");
    for (String tid : taskIds) {
      var task = server.get("/v1/tasks/" + tid);
      assertEquals(200, task.status(), task::toString);
    }
    for (String tid : taskIds) assertEquals("completed", server.finished(tid).get("status").asText(), tid);
    Set<String> listed = TestServer.eventually(Duration.ofSeconds(30),
        () -> new HashSet<>(TestServer.ids(server.listAll("/v1/tasks?limit=500", TOKEN))),
        ids -> ids.containsAll(taskIds));
    assertEquals(DISPATCHES, listed.size());
    long counted = 0;
    for (String sid : sessions) counted += server.get("/v1/sessions/" + sid).json().get("counts").get("completed").asLong();
    assertEquals(DISPATCHES, counted, "the sessions count every task");
  }
}
