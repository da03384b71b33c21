package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import io.taskforce.api.ConflictException;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.ForbiddenException;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.Page;
import io.taskforce.api.QueueFullException;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.api.TaskforceException;
import io.taskforce.api.UnavailableException;
import io.taskforce.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The MCP tools: Taskforce's own over the {@link Taskforce} facade (their definitions in
 * {@code tools.json}), then the {@link McpTool extra tools} the endpoint was given.
 */
final class McpTools {
  static final long MAX_WAIT_SECONDS = 60;
  private static final int DEFAULT_UPDATES = 50;
  private static final int MAX_UPDATES = 200;
  private static final int SUMMARY_CHARS = 2_000;

  private final Taskforce tf;
  private final McpSettings settings;
  private final TaskWaiter waiter;
  private final ArrayNode definitions;
  private final Map<String, ObjectNode> byName = new LinkedHashMap<>();
  private final Map<String, McpTool> extra = new LinkedHashMap<>();

  McpTools(Taskforce tf, McpSettings settings, TaskWaiter waiter, List<McpTool> extraTools) {
    this.tf = tf;
    this.settings = settings;
    this.waiter = waiter;
    this.definitions = load(tf.executorNames());
    definitions.forEach(tool -> byName.put(tool.get("name").asText(), (ObjectNode) tool));
    for (McpTool tool : extraTools) {
      ObjectNode definition = tool.definition().deepCopy();
      String name = definition.path("name").asText("");
      if (name.isEmpty()) throw new IllegalArgumentException("an extra MCP tool needs a \"name\": " + definition);
      if (byName.containsKey(name)) throw new IllegalArgumentException("there is an MCP tool named " + name + " already");
      if (!definition.path("inputSchema").isObject()) {
        throw new IllegalArgumentException("the MCP tool " + name + " needs an \"inputSchema\" object");
      }
      String support = definition.path("execution").path("taskSupport").asText("forbidden");
      if (!support.equals("forbidden")) {
        throw new IllegalArgumentException("the MCP tool " + name + " cannot run as a task (taskSupport " + support + ")");
      }
      definition.putObject("execution").put("taskSupport", "forbidden");
      definitions.add(definition);
      byName.put(name, definition);
      extra.put(name, tool);
    }
  }

  private static ArrayNode load(List<String> executors) {
    try (InputStream in = McpTools.class.getResourceAsStream("tools.json")) {
      if (in == null) throw new IllegalStateException("missing resource tools.json");
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .replace("EXECUTORS", "Registered on this server: " + String.join(", ", executors) + ".");
      return (ArrayNode) Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ArrayNode definitions() {
    return definitions.deepCopy();
  }

  boolean exists(String name) {
    return byName.containsKey(name);
  }

  /** {@code required}, {@code optional} or {@code forbidden}. */
  String taskSupport(String name) {
    return byName.get(name).path("execution").path("taskSupport").asText("forbidden");
  }

  /** Whether a call may take long, so its answer goes on an SSE stream (with keep-alives). */
  boolean waits(String name, ObjectNode args) {
    if (extra.containsKey(name)) return extra.get(name).streams();
    if (name.equals("run_subagent")) return true;
    return name.equals("get_task_result") && args.path("wait_seconds").asLong(0) > 0;
  }

  // ---- calls

  /** A plain {@code tools/call}: the CallToolResult. */
  CompletionStage<ObjectNode> call(McpSession session, Exchange exchange, String name, ObjectNode args) {
    return guarded(() -> switch (name) {
      case "dispatch_task" -> dispatchTask(session, args);
      case "run_subagent" -> runSubagent(session, exchange, args);
      case "get_task" -> {
        ToolArgs a = new ToolArgs(name, args, Set.of("task_id"));
        yield tf.task(session.tenant, a.requiredString("task_id")).thenApply(McpTools::described);
      }
      case "get_task_result" -> getTaskResult(session, args);
      case "list_tasks" -> listTasks(session, args);
      case "pause_task" -> transition(name, args, id -> tf.pause(session.tenant, id), "Paused");
      case "resume_task" -> transition(name, args, id -> tf.resume(session.tenant, id), "Resumed");
      case "cancel_task" -> cancelTask(session, args);
      case "answer_task" -> {
        ToolArgs a = new ToolArgs(name, args, Set.of("task_id", "text"));
        String text = a.requiredString("text");
        yield tf.answer(session.tenant, a.requiredString("task_id"), text)
            .thenApply(task -> TaskMapping.toolResult("Answered task " + task.id() + "; it is " + task.status().wire() + " now.",
                TaskMapping.view(task)));
      }
      case "get_updates" -> getUpdates(session, args);
      default -> {
        McpTool tool = extra.get(name);
        if (tool == null) throw new IllegalArgumentException("no tool " + name);
        yield tool.call(new McpToolCall(session, exchange, name, args));
      }
    });
  }

  /** A task-augmented {@code tools/call} of a tool that supports it: the CreateTaskResult, at once. */
  CompletionStage<ObjectNode> createTask(McpSession session, Exchange exchange, String name, ObjectNode args) {
    return dispatch(session, name, args, null).thenApply(dispatched -> {
      TaskView task = dispatched.task();
      session.track(task.id(), exchange.progressToken);
      ObjectNode result = JsonRpc.NODES.objectNode();
      result.set("task", TaskMapping.task(task, settings.pollInterval()));
      result.putObject("_meta").put(TaskMapping.IMMEDIATE_RESPONSE,
          "Started subagent task " + task.id() + " in the background; its result will come through the task. "
              + "Carry on with the conversation meanwhile.");
      return result;
    });
  }

  private CompletionStage<ObjectNode> dispatchTask(McpSession session, ObjectNode args) {
    return dispatch(session, "dispatch_task", args, "session").thenApply(dispatched -> {
      TaskView task = dispatched.task();
      session.track(task.id(), null);
      String text = (dispatched.repeated() ? "A task with this id exists already (the same spec): " : "Dispatched ")
          + "task " + task.id() + title(task) + " in session " + task.sessionId() + "; it is " + task.status().wire()
          + ". It runs in the background: carry on, and call get_updates on your next turns to hear when it ends"
          + " (or get_task_result with task_id " + task.id() + ").";
      return TaskMapping.toolResult(text, TaskMapping.view(task));
    });
  }

  private CompletionStage<ObjectNode> runSubagent(McpSession session, Exchange exchange, ObjectNode args) {
    return dispatch(session, "run_subagent", args, null).thenCompose(dispatched -> {
      String taskId = dispatched.task().id();
      Duration limit = exchange.streaming() ? null : settings.maxJsonWait();
      return waiter.awaitFinal(session, exchange, taskId, limit, exchange.progressToken, new ProgressGate()).thenApply(task -> task.status().isFinal()
          ? TaskMapping.finalCallResult(task)
          : TaskMapping.toolResult("Task " + task.id() + " is still " + task.status().wire() + " after "
              + limit.toSeconds() + " s; it runs on in the background. Ask get_task_result with task_id " + task.id()
              + " later.", TaskMapping.view(task)));
    });
  }

  private CompletionStage<Taskforce.Dispatched> dispatch(McpSession session, String tool, ObjectNode args, String sessionArg) {
    Set<String> known = new LinkedHashSet<>(List.of("executor", "input", "title", "context", "id", "priority",
        "timeout_seconds", "max_attempts", "retry_on", "labels"));
    if (tool.equals("dispatch_task")) known.addAll(List.of("notify", "session"));
    ToolArgs a = new ToolArgs(tool, args, known);
    Set<ErrorType> retryOn = null;
    List<String> words = a.strings("retry_on");
    if (words != null) {
      retryOn = EnumSet.noneOf(ErrorType.class);
      for (String word : words) {
        try {
          retryOn.add(ErrorType.fromWire(word));
        } catch (IllegalArgumentException e) {
          throw new ToolArgs.BadArguments("retry_on: " + e.getMessage());
        }
      }
    }
    Long priority = a.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
    Long attempts = a.integer("max_attempts", 1, 100);
    TaskSpec spec = new TaskSpec(a.string("id"), a.string("title"), a.requiredString("executor"), a.object("input"),
        priority == null ? null : priority.intValue(), a.integer("timeout_seconds", 1, Long.MAX_VALUE),
        attempts == null ? null : attempts.intValue(), retryOn, a.any("context"), a.bool("notify"), a.stringMap("labels"));
    String target = sessionArg == null ? null : a.string(sessionArg);
    return tf.dispatch(session.tenant, target == null ? session.taskforceSession : target, spec);
  }

  private CompletionStage<ObjectNode> getTaskResult(McpSession session, ObjectNode args) {
    ToolArgs a = new ToolArgs("get_task_result", args, Set.of("task_id", "wait_seconds"));
    String id = a.requiredString("task_id");
    Long wait = a.integer("wait_seconds", 0, MAX_WAIT_SECONDS);
    return tf.awaitResult(session.tenant, id, Duration.ofSeconds(wait == null ? 0 : wait)).thenApply(task -> {
      if (task.status().isFinal()) return described(task);
      ObjectNode result = described(task);
      ((ObjectNode) result.get("content").get(0)).put("text", "Task " + task.id() + title(task) + " has not finished: "
          + TaskMapping.statusMessage(task) + ". Ask again later (get_updates tells you when it ends).");
      return result;
    });
  }

  private CompletionStage<ObjectNode> listTasks(McpSession session, ObjectNode args) {
    ToolArgs a = new ToolArgs("list_tasks", args, Set.of("status", "session", "all_sessions", "limit", "cursor"));
    Set<TaskStatus> statuses = EnumSet.noneOf(TaskStatus.class);
    List<String> words = a.strings("status");
    if (words != null) {
      for (String word : words) {
        try {
          statuses.add(TaskStatus.fromWire(word));
        } catch (IllegalArgumentException e) {
          throw new ToolArgs.BadArguments("status: " + e.getMessage());
        }
      }
    }
    Long limit = a.integer("limit", 1, TaskFilter.MAX_LIMIT);
    TaskFilter filter = new TaskFilter(statuses, limit == null ? TaskFilter.DEFAULT_LIMIT : limit.intValue(), a.string("cursor"));
    boolean all = Boolean.TRUE.equals(a.bool("all_sessions"));
    String target = a.string("session");
    if (all && target != null) throw new ToolArgs.BadArguments("give either 'session' or 'all_sessions', not both");
    String sessionId = all ? null : (target == null ? session.taskforceSession : target);
    CompletionStage<Page<TaskView>> page = tf.list(session.tenant, sessionId, filter).exceptionallyCompose(failure -> {
      // This connection's own session exists only from its first dispatch on: no session, no tasks.
      if (unwrap(failure) instanceof NotFoundException && target == null && !all) {
        return CompletableFuture.completedFuture(new Page<>(List.of(), null));
      }
      return CompletableFuture.failedFuture(unwrap(failure));
    });
    return page.thenApply(p -> {
      StringBuilder text = new StringBuilder();
      text.append(p.items().isEmpty() ? "No tasks." : p.items().size() + " task(s), newest first:");
      for (TaskView task : p.items()) {
        text.append("\n- ").append(task.id()).append(" [").append(task.status().wire()).append("]").append(title(task));
        if (task.progress() != null && task.progress().percent() != null) text.append(" ").append(task.progress().percent()).append('%');
        if (task.status() == TaskStatus.INPUT_REQUIRED) text.append(" asks: ").append(TaskMapping.clip(task.question(), 300));
      }
      if (p.nextCursor() != null) text.append("\nMore: call again with cursor ").append(p.nextCursor());
      ObjectNode structured = JsonRpc.NODES.objectNode();
      structured.set("tasks", Json.MAPPER.valueToTree(p.items()));
      if (p.nextCursor() != null) structured.put("next_cursor", p.nextCursor());
      return TaskMapping.toolResult(text.toString(), structured);
    });
  }

  private CompletionStage<ObjectNode> transition(String tool, ObjectNode args, Function<String, CompletionStage<TaskView>> step,
      String verb) {
    ToolArgs a = new ToolArgs(tool, args, Set.of("task_id"));
    return step.apply(a.requiredString("task_id")).thenApply(task -> TaskMapping.toolResult(
        verb + " task " + task.id() + title(task) + "; it is " + task.status().wire() + " now.", TaskMapping.view(task)));
  }

  /**
   * Cancels; a task that finished first (a cancel racing its completion) is answered as it is,
   * final status and result unchanged, and that is no error.
   */
  private CompletionStage<ObjectNode> cancelTask(McpSession session, ObjectNode args) {
    ToolArgs a = new ToolArgs("cancel_task", args, Set.of("task_id"));
    String id = a.requiredString("task_id");
    return tf.cancel(session.tenant, id)
        .thenApply(task -> TaskMapping.toolResult("Cancelled task " + task.id() + title(task) + ".", TaskMapping.view(task)))
        .exceptionallyCompose(failure -> {
          if (!(unwrap(failure) instanceof ConflictException)) return CompletableFuture.failedFuture(unwrap(failure));
          return tf.task(session.tenant, id).thenApply(task -> {
            if (!task.status().isFinal()) throw (ConflictException) unwrap(failure);
            return TaskMapping.toolResult("Task " + task.id() + title(task) + " had already " + task.status().wire()
                + " before the cancel; nothing changed." + (task.status() == TaskStatus.COMPLETED
                    ? " Result:\n" + TaskMapping.clip(TaskMapping.json(task.result()), SUMMARY_CHARS) : ""),
                TaskMapping.view(task));
          });
        });
  }

  private CompletionStage<ObjectNode> getUpdates(McpSession session, ObjectNode args) {
    ToolArgs a = new ToolArgs("get_updates", args, Set.of("session", "max"));
    Long max = a.integer("max", 1, MAX_UPDATES);
    String target = a.string("session");
    String sessionId = target == null ? session.taskforceSession : target;
    int limit = max == null ? DEFAULT_UPDATES : max.intValue();
    return tf.session(session.tenant, sessionId)
        .thenCompose(view -> tf.readFeed(session.tenant, sessionId, view.ackedEventSeq(), limit).thenCompose(events -> {
          if (events.isEmpty()) return CompletableFuture.completedFuture(updates(sessionId, events, view.ackedEventSeq(), false));
          long upTo = events.get(events.size() - 1).seq();
          boolean more = upTo < view.lastEventSeq();
          return tf.ack(session.tenant, sessionId, upTo).thenApply(acked -> updates(sessionId, events, upTo, more));
        }))
        .exceptionallyCompose(failure -> {
          if (unwrap(failure) instanceof NotFoundException && target == null) {
            return CompletableFuture.completedFuture(updates(sessionId, List.of(), 0, false));
          }
          return CompletableFuture.failedFuture(unwrap(failure));
        });
  }

  private static ObjectNode updates(String sessionId, List<FeedEvent> events, long ackedUpTo, boolean more) {
    ArrayNode items = JsonRpc.NODES.arrayNode();
    StringBuilder text = new StringBuilder();
    for (FeedEvent event : events) {
      if (!event.type().isFinal() && event.type() != io.taskforce.api.FeedEventType.INPUT_REQUIRED) continue;
      ObjectNode item = items.addObject();
      item.put("seq", event.seq());
      item.put("type", event.type().wire());
      item.put("task_id", event.taskId());
      if (event.title() != null && !event.title().isEmpty()) item.put("title", event.title());
      item.put("status", event.status().wire());
      item.put("at", event.at().toString());
      if (event.context() != null) item.set("context", event.context());
      if (event.question() != null) item.put("question", event.question());
      if (event.error() != null) item.set("error", Json.MAPPER.valueToTree(event.error()));
      if (event.result() != null) item.put("result_summary", TaskMapping.clip(TaskMapping.json(event.result()), SUMMARY_CHARS));
      text.append(text.length() == 0 ? "" : "\n").append("- task ").append(event.taskId());
      if (event.title() != null && !event.title().isEmpty()) text.append(" \"").append(event.title()).append('"');
      switch (event.type()) {
        case COMPLETED -> text.append(" completed");
        case FAILED -> text.append(" failed").append(event.error() == null ? ""
            : " (" + event.error().type().wire() + ": " + TaskMapping.clip(event.error().message(), 500) + ")");
        case CANCELLED -> text.append(" was cancelled");
        default -> text.append(" asks: ").append(event.question()).append(" (answer with answer_task)");
      }
      if (event.context() != null) text.append("; context: ").append(TaskMapping.clip(TaskMapping.json(event.context()), 500));
      if (event.result() != null) text.append("; result: ").append(TaskMapping.clip(TaskMapping.json(event.result()), SUMMARY_CHARS));
    }
    if (items.isEmpty()) text.append("No news of the background tasks of session ").append(sessionId).append('.');
    if (more) text.append("\nMore updates wait: call get_updates again.");
    ObjectNode structured = JsonRpc.NODES.objectNode();
    structured.put("session", sessionId);
    structured.set("updates", items);
    structured.put("acked_up_to", ackedUpTo);
    structured.put("more", more);
    return TaskMapping.toolResult(text.toString(), structured);
  }

  // ---- answers

  private static ObjectNode described(TaskView task) {
    StringBuilder text = new StringBuilder("Task ").append(task.id()).append(title(task)).append(": ")
        .append(TaskMapping.statusMessage(task));
    if (task.progress() != null && task.progress().percent() != null && !task.status().isFinal()) {
      text.append(" (").append(task.progress().percent()).append("%)");
    }
    if (task.status() == TaskStatus.INPUT_REQUIRED) text.append(" — answer it with answer_task");
    if (task.status() == TaskStatus.COMPLETED) {
      text.append(". Result:\n").append(TaskMapping.clip(TaskMapping.json(task.result()), TaskMapping.MAX_RESULT_TEXT));
    }
    return TaskMapping.toolResult(text.toString(), TaskMapping.view(task));
  }

  private static String title(TaskView task) {
    return task.title() == null || task.title().isEmpty() ? "" : " (\"" + task.title() + "\")";
  }

  /**
   * Runs a call; what the tool's input or Taskforce refuses becomes an error result the model can
   * read and act on (as the protocol asks for tool errors); anything else fails the request.
   */
  private static CompletionStage<ObjectNode> guarded(java.util.function.Supplier<CompletionStage<ObjectNode>> call) {
    CompletionStage<ObjectNode> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.exceptionallyCompose(failure -> {
      Throwable cause = unwrap(failure);
      ObjectNode refused = refusal(cause);
      return refused != null ? CompletableFuture.completedFuture(refused) : CompletableFuture.failedFuture(cause);
    });
  }

  static ObjectNode refusal(Throwable cause) {
    if (cause instanceof ToolArgs.BadArguments bad) return TaskMapping.toolError("Invalid arguments: " + bad.getMessage());
    if (!(cause instanceof TaskforceException e)) return null;
    String text;
    if (e instanceof InvalidRequestException invalid) {
      text = "Invalid " + (invalid.field() == null ? "request" : "'" + invalid.field() + "'") + ": " + e.getMessage();
    } else if (e instanceof NotFoundException) {
      text = "Not found: " + e.getMessage();
    } else if (e instanceof ConflictException) {
      text = "Not possible now: " + e.getMessage();
    } else if (e instanceof ForbiddenException) {
      text = "Forbidden: " + e.getMessage();
    } else if (e instanceof QueueFullException full) {
      text = "The session's queue is full: " + e.getMessage() + ". Retry in " + full.retryAfter().toSeconds() + " s.";
    } else if (e instanceof UnavailableException down) {
      text = "Taskforce cannot answer now: " + e.getMessage() + ". Retry in " + down.retryAfter().toSeconds()
          + " s (a dispatch with the same id is then exactly once).";
    } else {
      text = e.getMessage();
    }
    return TaskMapping.toolError(text);
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
