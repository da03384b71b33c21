package io.taskforce.http;

import io.taskforce.Taskforce;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** The operations of API v1 over the {@link Taskforce} facade: one method per row of API.md. */
final class ApiV1 {
  static final long MAX_WAIT_SECONDS = 60;

  private final Taskforce tf;
  private final FeedResponses feed;

  ApiV1(Taskforce tf, FeedResponses feed) {
    this.tf = tf;
    this.feed = feed;
  }

  List<Operation> operations() {
    return List.of(
        new Operation("POST", "/v1/sessions", this::createSession),
        new Operation("GET", "/v1/sessions", this::listSessions),
        new Operation("GET", "/v1/sessions/{sid}", c -> ok(tf.session(c.tenant(), c.param("sid")))),
        new Operation("DELETE", "/v1/sessions/{sid}", c -> ok(tf.closeSession(c.tenant(), c.param("sid")))),
        new Operation("POST", "/v1/sessions/{sid}/tasks", this::dispatch),
        new Operation("GET", "/v1/sessions/{sid}/tasks", c -> listTasks(c, c.param("sid"))),
        new Operation("GET", "/v1/sessions/{sid}/events", feed::events),
        new Operation("POST", "/v1/sessions/{sid}/events/ack", this::ack),
        new Operation("GET", "/v1/tasks", c -> listTasks(c, null)),
        new Operation("GET", "/v1/tasks/{tid}", c -> ok(tf.task(c.tenant(), c.param("tid")))),
        new Operation("GET", "/v1/tasks/{tid}/result", this::result),
        new Operation("GET", "/v1/tasks/{tid}/output", this::output),
        new Operation("POST", "/v1/tasks/{tid}/pause", c -> ok(tf.pause(c.tenant(), c.param("tid")))),
        new Operation("POST", "/v1/tasks/{tid}/resume", c -> ok(tf.resume(c.tenant(), c.param("tid")))),
        new Operation("POST", "/v1/tasks/{tid}/cancel", c -> ok(tf.cancel(c.tenant(), c.param("tid")))),
        new Operation("POST", "/v1/tasks/{tid}/input", this::answer));
  }

  private CompletionStage<HttpResponse> createSession(Call call) {
    SessionSpec spec = call.hasBody() ? call.body(SessionSpec.class) : new SessionSpec(null, null, null, null);
    return tf.createSession(call.tenant(), spec)
        .thenApply(session -> Responses.json(201, session, "/v1/sessions/" + session.id()));
  }

  private CompletionStage<HttpResponse> listSessions(Call call) {
    int limit = (int) call.queryLong("limit", TaskFilter.DEFAULT_LIMIT, 1, TaskFilter.MAX_LIMIT);
    return tf.sessions(call.tenant(), limit, call.query("cursor").orElse(null)).thenApply(page -> Responses.json(200, page));
  }

  private CompletionStage<HttpResponse> dispatch(Call call) {
    TaskSpec spec = call.body(TaskSpec.class);
    return tf.dispatch(call.tenant(), call.param("sid"), spec).thenApply(dispatched -> dispatched.repeated()
        ? Responses.json(200, dispatched.task(), "/v1/tasks/" + dispatched.task().id())
        : Responses.json(202, dispatched.task(), "/v1/tasks/" + dispatched.task().id()));
  }

  private CompletionStage<HttpResponse> listTasks(Call call, String sessionId) {
    int limit = (int) call.queryLong("limit", TaskFilter.DEFAULT_LIMIT, 1, TaskFilter.MAX_LIMIT);
    var filter = new TaskFilter(statuses(call), limit, call.query("cursor").orElse(null));
    return tf.list(call.tenant(), sessionId, filter).thenApply(page -> Responses.json(200, page));
  }

  private static Set<TaskStatus> statuses(Call call) {
    String raw = call.query("status").orElse("");
    if (raw.isBlank()) return Set.of();
    Set<TaskStatus> statuses = EnumSet.noneOf(TaskStatus.class);
    for (String word : raw.split(",")) {
      try {
        statuses.add(TaskStatus.fromWire(word.trim()));
      } catch (IllegalArgumentException e) {
        throw HttpProblemException.badRequest("status", "unknown status '" + word.trim()
            + "' (pending, running, paused, input_required, completed, failed, cancelled)");
      }
    }
    return statuses;
  }

  private CompletionStage<HttpResponse> result(Call call) {
    long wait = call.queryLong("waitSeconds", 0, 0, MAX_WAIT_SECONDS);
    return tf.awaitResult(call.tenant(), call.param("tid"), Duration.ofSeconds(wait))
        .thenApply(task -> Responses.json(task.status().isFinal() ? 200 : 202, task));
  }

  private CompletionStage<HttpResponse> output(Call call) {
    long offset = call.queryLong("offset", 0, 0, Long.MAX_VALUE);
    return tf.output(call.tenant(), call.param("tid"), offset).thenApply(chunk -> Responses.json(200, chunk));
  }

  /** The body of {@code POST /v1/tasks/{tid}/input}. */
  record AnswerBody(String text) {}

  /** The body of {@code POST /v1/sessions/{sid}/events/ack}. */
  record AckBody(Long upTo) {}

  private CompletionStage<HttpResponse> answer(Call call) {
    AnswerBody body = call.body(AnswerBody.class); // unknown fields and wrong types answer 400
    if (body.text() == null) throw HttpProblemException.badRequest("text", "the body must be {\"text\": \"...\"}");
    return ok(tf.answer(call.tenant(), call.param("tid"), body.text()));
  }

  private CompletionStage<HttpResponse> ack(Call call) {
    AckBody body = call.body(AckBody.class);
    if (body.upTo() == null || body.upTo() < 0) {
      throw HttpProblemException.badRequest("upTo", "the body must be {\"upTo\": <a whole number ≥ 0>}");
    }
    return ok(tf.ack(call.tenant(), call.param("sid"), body.upTo()));
  }

  private static CompletionStage<HttpResponse> ok(CompletionStage<?> stage) {
    return stage.thenApply(value -> Responses.json(200, value));
  }


}
