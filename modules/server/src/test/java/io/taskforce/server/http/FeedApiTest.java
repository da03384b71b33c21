package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertBadRequest;
import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A session's feed: SSE replay then live, keep-alives, the JSON long poll, and ack. */
class FeedApiTest {
  private static final Duration FRAME_WAIT = Duration.ofSeconds(15);
  private static final Set<String> DURABLE = Set.of("task.dispatched", "task.started", "task.paused", "task.resumed",
      "task.input_required", "task.completed", "task.failed", "task.cancelled");
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  /** A session whose two echo tasks have finished: events 1..6. */
  private static String sessionWithTwoFinishedTasks() {
    String sid = uid("s");
    server.finished(server.dispatched(sid, bash(uid("a"), "true")));
    server.finished(server.dispatched(sid, bash(uid("b"), "true")));
    JsonNode page = server.get("/v1/sessions/" + sid + "/events?after=0").json();
    assertEquals(6, page.get("events").size(), page::toString);
    return sid;
  }

  /** The next durable frame (live progress frames are skipped). */
  private static SseStream.Frame nextDurable(SseStream sse) {
    while (true) {
      SseStream.Frame frame = sse.nextFrame(FRAME_WAIT);
      if (!frame.event().equals("task.progress")) return frame;
    }
  }

  private static void assertWellFormed(SseStream.Frame frame) {
    assertNotNull(frame.id(), () -> "a durable event has an id: " + frame);
    assertNotNull(frame.event(), frame::toString);
    JsonNode data = frame.json();
    assertEquals(Long.parseLong(frame.id()), data.get("seq").asLong(), frame::toString);
    assertEquals(frame.event(), data.get("type").asText(), frame::toString);
    for (String field : List.of("taskId", "status", "at", "title")) assertTrue(data.has(field), () -> field + " in " + frame);
  }

  @Test
  void sseReplaysAfterLastEventIdThenSendsLiveEvents() {
    String sid = sessionWithTwoFinishedTasks();

    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events", TOKEN, Map.of("Last-Event-ID", "2"))) {
      assertEquals(200, sse.status());
      assertTrue(sse.contentType().startsWith("text/event-stream"), sse.contentType());
      for (long seq = 3; seq <= 6; seq++) {
        SseStream.Frame frame = nextDurable(sse);
        assertWellFormed(frame);
        assertEquals(Long.toString(seq), frame.id());
      }
      String live = server.dispatched(sid, bash(uid("live"), "true"));
      SseStream.Frame dispatched = nextDurable(sse);
      assertEquals("7", dispatched.id());
      assertEquals("task.dispatched", dispatched.event());
      assertEquals(live, dispatched.json().get("taskId").asText());
      assertEquals("8", nextDurable(sse).id());
      SseStream.Frame completed = nextDurable(sse);
      assertEquals("9", completed.id());
      assertEquals("task.completed", completed.event());
    }
  }

  @Test
  void sseReplaysAfterTheAfterParameter() {
    String sid = sessionWithTwoFinishedTasks();

    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events?after=4", TOKEN, Map.of())) {
      SseStream.Frame fifth = nextDurable(sse);
      assertWellFormed(fifth);
      assertEquals("5", fifth.id());
      assertEquals("6", nextDurable(sse).id());
      server.dispatched(sid, bash(uid("live"), "true"));
      assertEquals("7", nextDurable(sse).id());
    }
  }

  @Test
  void noGapAndNoDuplicateAcrossTheSwitchFromReplayToLive() throws Exception {
    String sid = uid("s");
    int tasks = 24;
    ExecutorService dispatcher = Executors.newSingleThreadExecutor();
    try {
      server.dispatched(sid, bash(uid("first"), "true"));
      Future<?> dispatching = dispatcher.submit(() -> {
        for (int i = 0; i < tasks - 1; i++) server.dispatched(sid, bash(uid("t" + i), "echo " + i));
      });
      List<Long> seqs = new ArrayList<>();
      int finals = 0;
      try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events?after=0", TOKEN, Map.of())) {
        while (finals < tasks) {
          SseStream.Frame frame = nextDurable(sse);
          assertWellFormed(frame);
          seqs.add(Long.parseLong(frame.id()));
          if (frame.event().equals("task.completed")) finals++;
        }
      }
      dispatching.get(30, TimeUnit.SECONDS);

      List<Long> expected = new ArrayList<>();
      for (long seq = 1; seq <= seqs.size(); seq++) expected.add(seq);
      assertEquals(expected, seqs, "every seq once, in order");
      assertEquals(3 * tasks, seqs.size());
      JsonNode polled = server.get("/v1/sessions/" + sid + "/events?after=0&limit=1000").json();
      assertEquals(seqs.size(), polled.get("events").size(), "the long poll sees the same events");
    } finally {
      dispatcher.shutdownNow();
    }
  }

  @Test
  void progressEventsAreLiveAndCarryNoId() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\"}", TOKEN);
    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events", TOKEN, Map.of())) {
      server.dispatched(sid, bash(uid("p"), "for i in 1 2 3 4 5; do echo \"::progress $((i*20)) step $i\"; sleep 0.2; done"));
      List<SseStream.Frame> progress = new ArrayList<>();
      SseStream.Frame frame;
      do {
        frame = sse.nextFrame(FRAME_WAIT);
        if (frame.event().equals("task.progress")) progress.add(frame);
        else assertWellFormed(frame);
      } while (!frame.event().equals("task.completed"));

      assertFalse(progress.isEmpty(), "no task.progress frame while the task ran");
      for (SseStream.Frame p : progress) {
        assertNull(p.id(), () -> "a progress event has no id: " + p);
        assertFalse(p.json().has("seq"), p::toString);
        assertTrue(p.json().get("progress").has("percent"), p::toString);
      }
    }
    for (JsonNode event : server.get("/v1/sessions/" + sid + "/events?after=0").json().get("events")) {
      assertTrue(DURABLE.contains(event.get("type").asText()), () -> "replayed: " + event);
    }
  }

  @Test
  void anIdleStreamSendsKeepAliveComments() {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\"}", TOKEN);
    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events", TOKEN, Map.of())) {
      assertTrue(sse.awaitNewComment(0, Duration.ofSeconds(5)), "a first comment");
      assertTrue(sse.awaitNewComment(1, Duration.ofSeconds(5)), "a keep-alive comment within 5 s (configured: 1 s)");
      assertTrue(sse.comments().stream().allMatch(c -> c.startsWith(":")), sse.comments()::toString);
    }
  }

  @Test
  void theLongPollAnswersAsSoonAsAnEventArrives() throws Exception {
    String sid = uid("s");
    server.createSession("{\"id\":\"" + sid + "\"}", TOKEN);
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<String>> poll = server.client().sendAsync(
        server.request("/v1/sessions/" + sid + "/events?after=0&waitSeconds=30", TOKEN)
            .header("Accept", "application/json").GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    String tid = server.dispatched(sid, bash(uid("t"), "true"));

    HttpResponse<String> response = poll.get(20, TimeUnit.SECONDS);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(200, response.statusCode(), response::body);
    assertTrue(millis < 15_000, "answered after " + millis + " ms");
    JsonNode page = TestServer.JSON.readTree(response.body());
    JsonNode first = page.get("events").get(0);
    assertEquals(1, first.get("seq").asLong());
    assertEquals("task.dispatched", first.get("type").asText());
    assertEquals(tid, first.get("taskId").asText());
    JsonNode events = page.get("events");
    assertEquals(events.get(events.size() - 1).get("seq").asLong(), page.get("nextAfter").asLong());
  }

  @Test
  void theLongPollAnswersAnEmptyListAfterTheWait() {
    String sid = uid("s");
    server.finished(server.dispatched(sid, bash(uid("t"), "true")));
    long last = server.get("/v1/sessions/" + sid).json().get("lastEventSeq").asLong();

    long start = System.nanoTime();
    var response = server.send(server.request("/v1/sessions/" + sid + "/events?after=" + last + "&waitSeconds=1", TOKEN)
        .header("Accept", "application/json").GET());
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(200, response.status(), response::toString);
    assertEquals(0, response.json().get("events").size(), response::toString);
    assertEquals(last, response.json().get("nextAfter").asLong());
    assertTrue(millis >= 900, "it waited " + millis + " ms");
    assertBadRequest(server.get("/v1/sessions/" + sid + "/events?waitSeconds=61"), "waitSeconds");
    assertBadRequest(server.get("/v1/sessions/" + sid + "/events?after=-1"), "after");
  }

  @Test
  void ackMovesForwardOnly() {
    String sid = uid("s");
    server.finished(server.dispatched(sid, bash(uid("t"), "true")));
    assertEquals(3, server.get("/v1/sessions/" + sid).json().get("lastEventSeq").asLong());

    var two = server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":2}");
    assertEquals(200, two.status(), two::toString);
    assertEquals(2, two.json().get("ackedEventSeq").asLong());
    assertEquals(sid, two.json().get("id").asText());
    assertEquals(2, server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":1}").json().get("ackedEventSeq").asLong());
    assertEquals(3, server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":3}").json().get("ackedEventSeq").asLong());

    JsonNode session = server.get("/v1/sessions/" + sid).json();
    assertEquals(3, session.get("ackedEventSeq").asLong());
    assertEquals(3, session.get("lastEventSeq").asLong());
    assertBadRequest(server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":-1}"), "upTo");
    assertBadRequest(server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":1.5}"), "upTo");
  }

  @Test
  void finalEventsCarryResultErrorAndContextAndQuestionsAreInTheirEvent() {
    String sid = uid("s");
    var ok = bash(uid("ok"), "echo fine");
    ok.putObject("context").put("purpose", "check");
    String completed = server.dispatched(sid, ok);
    String failed = server.dispatched(sid, bash(uid("bad"), "exit 2"));
    String asking = server.dispatched(sid, bash(uid("ask"), "echo '::ask which branch?'; read b"));

    JsonNode done = server.awaitEvent(sid, TOKEN, e -> e.get("taskId").asText().equals(completed) && e.get("type").asText().equals("task.completed"));
    JsonNode broke = server.awaitEvent(sid, TOKEN, e -> e.get("taskId").asText().equals(failed) && e.get("type").asText().equals("task.failed"));
    JsonNode asked = server.awaitEvent(sid, TOKEN, e -> e.get("taskId").asText().equals(asking) && e.get("type").asText().equals("task.input_required"));

    assertEquals("completed", done.get("status").asText());
    assertEquals("fine\n", done.get("result").get("stdoutTail").asText());
    assertEquals("check", done.get("context").get("purpose").asText(), "context on final events");
    assertEquals("failed", broke.get("status").asText());
    assertEquals("exit", broke.get("error").get("type").asText());
    assertEquals("input_required", asked.get("status").asText());
    assertEquals("which branch?", asked.get("question").asText());
    server.post("/v1/tasks/" + asking + "/cancel", null);
    server.awaitEvent(sid, TOKEN, e -> e.get("taskId").asText().equals(asking) && e.get("type").asText().equals("task.cancelled"));
  }

  @Test
  void aFireAndForgetTaskSendsNoCompletionEvent() {
    String sid = uid("s");
    String quiet = server.dispatched(sid, bash(uid("quiet"), "true").put("notify", false));
    assertEquals("completed", server.finished(quiet).get("status").asText());
    String marker = server.dispatched(sid, bash(uid("marker"), "true"));
    server.awaitStatus(sid, marker, "completed");

    for (JsonNode event : server.get("/v1/sessions/" + sid + "/events?after=0").json().get("events")) {
      if (event.get("taskId").asText().equals(quiet)) {
        assertFalse(event.get("type").asText().equals("task.completed"), () -> "a completion event for notify=false: " + event);
      }
    }
  }

  @Test
  void anUnknownSessionsFeedAnswers404() {
    String sid = uid("unknown");
    assertProblem(server.get("/v1/sessions/" + sid + "/events"), 404, "not-found");
    assertProblem(server.get("/v1/sessions/" + sid + "/events?after=0&waitSeconds=1"), 404, "not-found");
    assertProblem(server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":1}"), 404, "not-found");
    try (SseStream sse = SseStream.open(server, "/v1/sessions/" + sid + "/events", TOKEN, Map.of())) {
      assertEquals(404, sse.status());
    }
  }
}
