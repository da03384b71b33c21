package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** What the scenarios do to Taskforce, over the HTTP API or through the facade. */
public interface Client extends AutoCloseable {

  /** A durable feed event as a client sees it: its type's wire name and its task. */
  record Event(String type, String taskId) {}

  /** Creates a session that runs up to {@code maxConcurrentTasks} of its tasks at once. */
  CompletableFuture<Void> createSession(String sessionId, int maxConcurrentTasks);

  /** Dispatches a task; completes with its id once it is accepted (HTTP: the 202). */
  CompletableFuture<String> dispatch(String sessionId, String executor, JsonNode input);

  /** {@code pause}, {@code resume} or {@code cancel}; completes with the task's status after it. */
  CompletableFuture<String> transition(String taskId, String verb);

  /** The task's status now. */
  CompletableFuture<String> status(String taskId);

  /** Every feed event of the session from the first, then live (HTTP: an SSE stream). */
  AutoCloseable subscribe(String sessionId, Consumer<Event> listener);

  @Override
  void close();
}
