package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 429 with Retry-After when a session's queue is full ({@code maxQueuedTasks}, here 2). */
class QueueFullApiTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start("taskforce.session.max-queued-tasks = 2");
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void aDispatchBeyondTheQueueAnswers429WithRetryAfterAndCreatesNothing() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\",\"maxConcurrentTasks\":1}", TOKEN);
    String running = server.dispatched(sid, bash(uid("run"), "sleep 30"));
    server.awaitStatus(sid, running, "running");
    server.dispatched(sid, bash(uid("queued"), "true"));
    String queued = server.dispatched(sid, bash(uid("queued"), "true"));
    String refusedId = uid("refused");

    var refused = server.dispatch(sid, bash(refusedId, "true"));

    JsonNode problem = assertProblem(refused, 429, "queue-full");
    String retryAfter = refused.header("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After: " + refused.headers()));
    assertTrue(Long.parseLong(retryAfter) >= 1, retryAfter);
    assertTrue(problem.get("detail").asText().contains("queued"), problem::toString);
    assertProblem(server.get("/v1/tasks/" + refusedId), 404, "not-found");

    assertEquals(200, server.post("/v1/tasks/" + queued + "/cancel", null).status());
    assertEquals(202, server.dispatch(sid, bash(refusedId, "true")).status(), "room again once one left the queue");
    server.delete("/v1/sessions/" + sid, TOKEN);
  }

  /** A retried dispatch adds nothing to the queue: it is answered 200 with the same task, full queue or not. */
  @Test
  void aRepeatedDispatchIsAnswered200EvenWhenTheQueueIsFull() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\",\"maxConcurrentTasks\":1}", TOKEN);
    String running = server.dispatched(sid, bash(uid("run"), "sleep 30"));
    server.awaitStatus(sid, running, "running");
    var queuedSpec = bash(uid("queued"), "true");
    String queued = server.dispatched(sid, queuedSpec);
    server.dispatched(sid, bash(uid("queued"), "true"));

    var repeat = server.dispatch(sid, queuedSpec);

    assertEquals(200, repeat.status(), repeat::toString);
    assertEquals(queued, repeat.json().get("id").asText());
    server.delete("/v1/sessions/" + sid, TOKEN);
  }
}
