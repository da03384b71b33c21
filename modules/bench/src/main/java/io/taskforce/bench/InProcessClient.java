package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.Taskforce;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** The scenarios' calls through the Java facade, in the node's own JVM. */
final class InProcessClient implements Client {
  private final Taskforce tf;
  private final String tenant;

  InProcessClient(Taskforce tf) {
    this.tf = tf;
    this.tenant = tf.defaultTenant();
  }

  @Override
  public CompletableFuture<Void> createSession(String sessionId, int maxConcurrentTasks) {
    return tf.createSession(tenant, new SessionSpec(sessionId, null, maxConcurrentTasks, null))
        .thenApply(s -> (Void) null).toCompletableFuture();
  }

  @Override
  public CompletableFuture<String> dispatch(String sessionId, String executor, JsonNode input) {
    return tf.dispatch(tenant, sessionId, TaskSpec.of(executor, input)).thenApply(d -> d.task().id()).toCompletableFuture();
  }

  @Override
  public CompletableFuture<String> transition(String taskId, String verb) {
    CompletionStage<TaskView> answer = switch (verb) {
      case "pause" -> tf.pause(tenant, taskId);
      case "resume" -> tf.resume(tenant, taskId);
      case "cancel" -> tf.cancel(tenant, taskId);
      default -> throw new IllegalArgumentException(verb);
    };
    return answer.thenApply(t -> t.status().wire()).toCompletableFuture();
  }

  @Override
  public CompletableFuture<String> status(String taskId) {
    return tf.task(tenant, taskId).thenApply(t -> t.status().wire()).toCompletableFuture();
  }

  @Override
  public AutoCloseable subscribe(String sessionId, Consumer<Event> listener) {
    Taskforce.FeedSubscription sub = tf.subscribe(tenant, sessionId, 0, (FeedEvent e) -> {
      if (e.durable()) listener.accept(new Event(e.type().wire(), e.taskId()));
    });
    return sub::close;
  }

  @Override
  public void close() {}
}
