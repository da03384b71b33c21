package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a task to end on behalf of one request ({@code tasks/result}, a plain
 * {@code run_subagent}) that answers on an SSE stream: meanwhile it reports the task's progress
 * on that stream through the progress token it is given (a plain call's own; for
 * {@code tasks/result}, the token of the task-augmented call that created the task), and puts the task's questions to the client as
 * elicitations (form mode) when the client takes them, answering the task with what comes back.
 *
 * <p>The end is awaited by one long {@link Taskforce#awaitResult} at a time (the task entity keeps
 * each waiter until the task ends, so it is not asked every second); the task is looked at every
 * {@code wait-slice} for progress, questions and a request that was cancelled.
 */
final class TaskWaiter {
  private static final Logger log = LoggerFactory.getLogger(TaskWaiter.class);
  private static final Duration LONG_WAIT_CHUNK = Duration.ofMinutes(10);

  private final Taskforce tf;
  private final McpSettings settings;

  TaskWaiter(Taskforce tf, McpSettings settings) {
    this.tf = tf;
    this.settings = settings;
  }

  /**
   * The task once final, or as it is when {@code maxWait} (null: no limit) has passed; fails with
   * {@link CancellationException} when the request was cancelled or its stream closed. Progress
   * is reported with {@code progressToken} (none when null), through {@code gate}.
   */
  CompletionStage<TaskView> awaitFinal(McpSession session, Exchange exchange, String taskId, Duration maxWait,
      JsonNode progressToken, ProgressGate gate) {
    Wait wait = new Wait(session, exchange, taskId,
        maxWait == null ? Long.MAX_VALUE : System.nanoTime() + maxWait.toNanos(), progressToken, gate);
    wait.longWait();
    wait.tick();
    return wait.done;
  }

  private final class Wait {
    final McpSession session;
    final Exchange exchange;
    final String taskId;
    final long deadline;
    final JsonNode progressToken;
    final ProgressGate gate;
    final CompletableFuture<TaskView> done = new CompletableFuture<>();
    String elicited;

    Wait(McpSession session, Exchange exchange, String taskId, long deadline, JsonNode progressToken, ProgressGate gate) {
      this.session = session;
      this.exchange = exchange;
      this.taskId = taskId;
      this.deadline = deadline;
      this.progressToken = progressToken;
      this.gate = gate;
    }

    long remainingNanos() {
      return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
    }

    void longWait() {
      if (done.isDone()) return;
      long remaining = remainingNanos();
      Duration chunk = remaining < LONG_WAIT_CHUNK.toNanos() ? Duration.ofNanos(Math.max(1_000_000, remaining)) : LONG_WAIT_CHUNK;
      tf.awaitResult(session.tenant, taskId, chunk).whenComplete((task, failure) -> {
        if (failure != null) {
          done.completeExceptionally(failure);
        } else if (task.status().isFinal() || remainingNanos() <= 0) {
          done.complete(task);
        } else {
          longWait();
        }
      });
    }

    void tick() {
      if (done.isDone()) return;
      if (exchange.cancelled() || session.ended()) {
        done.completeExceptionally(new CancellationException("the request was cancelled"));
        return;
      }
      tf.task(session.tenant, taskId).whenComplete((task, failure) -> {
        if (done.isDone()) return;
        if (failure == null) {
          if (task.status().isFinal()) {
            done.complete(task);
            return;
          }
          report(task);
          ask(task);
        }
        long remaining = remainingNanos();
        long slice = Math.min(settings.waitSlice().toNanos(), Math.max(1_000_000, remaining));
        tf.system().scheduler().scheduleOnce(Duration.ofNanos(slice), this::tick, tf.system().executionContext());
      });
    }

    /** {@code notifications/progress}; the value only ever grows, as the protocol requires. */
    void report(TaskView task) {
      if (progressToken == null || !exchange.streaming()) return;
      Progress progress = task.progress();
      if (progress == null) return;
      String message = progress.message();
      double value = gate.next(progress.percent() == null ? null : progress.percent().doubleValue(), message);
      if (value == ProgressGate.NOTHING) return;
      ObjectNode params = JsonRpc.NODES.objectNode();
      params.set("progressToken", progressToken);
      params.put("progress", value);
      if (progress.percent() != null) params.put("total", 100);
      if (message != null) params.put("message", TaskMapping.clip(message, 500));
      params.set("_meta", TaskMapping.relatedTaskMeta(taskId));
      exchange.send(JsonRpc.notification("notifications/progress", params));
    }

    /** The task's question as an elicitation, once per time it asks. */
    void ask(TaskView task) {
      if (task.status() != TaskStatus.INPUT_REQUIRED) {
        elicited = null;
        return;
      }
      String question = task.question() == null ? "" : task.question();
      if (question.equals(elicited) || !exchange.streaming() || !session.elicitsForms()) return;
      elicited = question;
      ObjectNode params = JsonRpc.NODES.objectNode();
      if (session.speaksTasks()) params.put("mode", "form");
      String who = task.title() == null || task.title().isEmpty() ? "Task " + task.id() : "Task " + task.id() + " (" + task.title() + ")";
      params.put("message", who + " asks: " + question);
      ObjectNode schema = params.putObject("requestedSchema");
      schema.put("type", "object");
      ObjectNode answer = schema.putObject("properties").putObject("answer");
      answer.put("type", "string");
      answer.put("title", "Answer");
      answer.put("description", "Your answer to the task's question");
      schema.putArray("required").add("answer");
      params.set("_meta", TaskMapping.relatedTaskMeta(taskId));
      session.sendRequest(exchange, "elicitation/create", params, reply -> answerWith(reply));
    }

    void answerWith(JsonNode reply) {
      JsonNode result = reply.path("result");
      if (!"accept".equals(result.path("action").asText())) return; // declined: answer_task remains
      JsonNode text = result.path("content").path("answer");
      if (!text.isTextual()) return;
      tf.answer(session.tenant, taskId, text.asText()).whenComplete((task, failure) -> {
        if (failure != null) log.debug("the elicited answer to task {} was not taken: {}", taskId, failure.toString());
      });
    }
  }
}
