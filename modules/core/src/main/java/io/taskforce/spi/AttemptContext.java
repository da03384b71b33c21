package io.taskforce.spi;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.TaskSpec;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * What an executor knows of, and tells about, the attempt it runs. Every method is safe to call
 * from any thread.
 */
public interface AttemptContext {

  String tenant();

  String sessionId();

  String taskId();

  /** 1 for the first attempt; an attempt interrupted by a clean shutdown keeps its number. */
  int attempt();

  TaskSpec spec();

  /** The executor's own input, {@code spec().input()}. */
  default JsonNode input() {
    return spec().input();
  }

  /** Reports progress; {@code percent} (0..100) may be null. Cheap: call it as often as you like. */
  void progress(Integer percent, String message);

  /** Appends to the task's captured output (kept as a bounded tail). */
  void output(String text);

  /** Appends raw bytes (any encoding, even binary) to the task's captured output. */
  default void output(byte[] bytes, int offset, int length) {
    output(new String(bytes, offset, length, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Asks the session a question: the task becomes {@code input_required} until the session answers;
   * the stage completes with the answer (or with {@link AttemptCancelledException} if the task is
   * cancelled first).
   */
  CompletionStage<String> ask(String question);

  /** {@link #ask}, waiting for the answer; for blocking executors, which then honour pauses too. */
  String askAndWait(String question) throws AttemptCancelledException;

  boolean isPaused();

  boolean isCancelled();

  /**
   * For cooperative code: returns at once when the attempt may go on, blocks while it is paused,
   * and throws {@link AttemptCancelledException} once it is cancelled.
   */
  void checkpoint() throws AttemptCancelledException;

  /** Runs when the task is paused (for work that cannot check {@link #checkpoint()} itself). */
  void onPause(Runnable action);

  void onResume(Runnable action);

  /** Runs once when the attempt is cancelled, timed out or abandoned by a shutting-down node. */
  void onCancel(Runnable action);

  /** Threads for blocking work, one per attempt at most as many as the node runs at once. */
  Executor blockingExecutor();
}
