package io.taskforce.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs the attempts of the tasks that name it. One instance serves every task of its name on a
 * node, so it keeps no per-task state outside the {@link AttemptContext}.
 *
 * <p>{@link #start} must return at once: long work runs elsewhere (its own threads, a process, an
 * HTTP stream, or {@link AttemptContext#blockingExecutor()} via {@link #blocking}). The returned
 * stage completes with the task's result (any JSON), or exceptionally with a {@link TaskFailure}
 * (any other exception counts as a failure of type {@code executor}).
 *
 * <p>Pause, resume and cancel reach the work in two ways, so both cooperative code and
 * uncooperative work (a process) can obey: cooperative code calls {@link
 * AttemptContext#checkpoint()} now and then; uncooperative work registers {@link
 * AttemptContext#onPause}, {@link AttemptContext#onResume} and {@link AttemptContext#onCancel}.
 */
@FunctionalInterface
public interface TaskExecutor {

  CompletionStage<JsonNode> start(AttemptContext context);

  /**
   * Checks a task's input when it is dispatched, before anything is stored. Throw {@link
   * InvalidInputException} naming the field at fault; the dispatch is then refused with 400.
   */
  default void validate(JsonNode input) throws InvalidInputException {}

  /**
   * Checks whether a tenant may use this executor at all; the dispatch is refused with 403 when
   * not. Every tenant may by default.
   */
  default boolean permits(String tenant, JsonNode input) {
    return true;
  }

  /** Adapts plain blocking code: it runs on the context's blocking executor, one thread each. */
  static TaskExecutor blocking(BlockingWork work) {
    return context -> {
      CompletableFuture<JsonNode> outcome = new CompletableFuture<>();
      context
          .blockingExecutor()
          .execute(
              () -> {
                try {
                  outcome.complete(work.run(context));
                } catch (Throwable t) {
                  outcome.completeExceptionally(t);
                }
              });
      return outcome;
    };
  }

  /** Blocking work for {@link #blocking}. */
  @FunctionalInterface
  interface BlockingWork {
    JsonNode run(AttemptContext context) throws Exception;
  }
}
