package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.api.TaskView;
import io.taskforce.http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/** Taskforce tasks as the MCP tasks utility (revision 2025-11-25) shows them. */
final class TaskMapping {
  static final String RELATED_TASK = "io.modelcontextprotocol/related-task";
  static final String IMMEDIATE_RESPONSE = "io.modelcontextprotocol/model-immediate-response";
  /** Longest text of a result that a tool answer carries inline (the whole stays in structuredContent). */
  static final int MAX_RESULT_TEXT = 8_000;

  private TaskMapping() {}

  /**
   * The protocol's status: {@code pending}, {@code running} and {@code paused} are all
   * {@code working} (the statusMessage says which); the rest keep their names.
   */
  static String status(TaskView task) {
    return switch (task.status()) {
      case PENDING, RUNNING, PAUSED -> "working";
      case INPUT_REQUIRED -> "input_required";
      case COMPLETED -> "completed";
      case FAILED -> "failed";
      case CANCELLED -> "cancelled";
    };
  }

  static String statusMessage(TaskView task) {
    return switch (task.status()) {
      case PENDING -> "pending: waiting for a free slot";
      case RUNNING -> task.progress() != null && task.progress().message() != null && !task.progress().message().isEmpty()
          ? "running: " + clip(task.progress().message(), 500)
          : "running";
      case PAUSED -> "paused (resume it with resume_task)";
      case INPUT_REQUIRED -> "input required: " + clip(String.valueOf(task.question()), 2000);
      case COMPLETED -> "completed";
      case FAILED -> task.error() == null ? "failed"
          : "failed (" + task.error().type().wire() + "): " + clip(task.error().message(), 2000);
      case CANCELLED -> "cancelled";
    };
  }

  /** The latest moment the task is known to have changed (the view carries no single timestamp). */
  static Instant lastUpdatedAt(TaskView task) {
    return Stream.of(task.createdAt(), task.startedAt(), task.finishedAt(),
            task.progress() == null ? null : task.progress().updatedAt())
        .filter(java.util.Objects::nonNull)
        .max(Instant::compareTo)
        .orElse(task.createdAt());
  }

  /** The protocol's Task object. Taskforce keeps tasks without end: {@code ttl} is null (unlimited). */
  static ObjectNode task(TaskView task, Duration pollInterval) {
    ObjectNode node = JsonRpc.NODES.objectNode();
    node.put("taskId", task.id());
    node.put("status", status(task));
    node.put("statusMessage", statusMessage(task));
    node.put("createdAt", task.createdAt().toString());
    node.put("lastUpdatedAt", lastUpdatedAt(task).toString());
    node.putNull("ttl");
    if (!task.status().isFinal()) node.put("pollInterval", pollInterval.toMillis());
    return node;
  }

  /** The task as tools answer it: the API's Task object (its JSON field names, see API.md). */
  static ObjectNode view(TaskView task) {
    return Json.MAPPER.valueToTree(task);
  }

  /**
   * What a tool call that ran the task to its end answers (a plain {@code run_subagent}, and
   * {@code tasks/result}): its result, or, failed or cancelled, an error result.
   */
  static ObjectNode finalCallResult(TaskView task) {
    String text = switch (task.status()) {
      case COMPLETED -> "Task " + task.id() + " completed. Result:\n" + clip(json(task.result()), MAX_RESULT_TEXT);
      case FAILED -> "Task " + task.id() + " failed"
          + (task.error() == null ? "." : " (" + task.error().type().wire() + "): " + task.error().message());
      case CANCELLED -> "Task " + task.id() + " was cancelled.";
      default -> "Task " + task.id() + " is " + task.status().wire() + ".";
    };
    ObjectNode result = toolResult(text, view(task));
    if (task.status() != io.taskforce.api.TaskStatus.COMPLETED) result.put("isError", true);
    return result;
  }

  static ObjectNode toolResult(String text, JsonNode structured) {
    ObjectNode result = JsonRpc.NODES.objectNode();
    ObjectNode content = result.putArray("content").addObject();
    content.put("type", "text");
    content.put("text", text);
    if (structured != null && structured.isObject()) result.set("structuredContent", structured);
    return result;
  }

  static ObjectNode toolError(String text) {
    ObjectNode result = toolResult(text, null);
    result.put("isError", true);
    return result;
  }

  static ObjectNode relatedTaskMeta(String taskId) {
    ObjectNode meta = JsonRpc.NODES.objectNode();
    meta.putObject(RELATED_TASK).put("taskId", taskId);
    return meta;
  }

  static String json(JsonNode node) {
    return node == null ? "null" : JsonRpc.write(node);
  }

  static String clip(String text, int max) {
    if (text == null) return "";
    return text.length() <= max ? text : text.substring(0, max) + "… (" + (text.length() - max) + " more characters)";
  }
}
