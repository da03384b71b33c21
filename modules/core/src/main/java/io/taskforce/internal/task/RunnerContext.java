package io.taskforce.internal.task;

import io.taskforce.api.TaskSpec;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The {@link AttemptContext} of one attempt. Executor threads call it; it talks to its runner by
 * message and keeps the pause and cancel flags that cooperative code waits on.
 */
final class RunnerContext implements AttemptContext {
  private final TaskData data;
  private final int attempt;
  private final OutputBuffer output;
  private final Executor blockingExecutor;
  private final Consumer<TaskRunner.Command> runner;

  private final Object lock = new Object();
  private boolean paused;
  private boolean cancelled;
  private final List<Runnable> onPause = new ArrayList<>();
  private final List<Runnable> onResume = new ArrayList<>();
  private final List<Runnable> onCancel = new ArrayList<>();

  RunnerContext(
      TaskData data,
      int attempt,
      OutputBuffer output,
      Executor blockingExecutor,
      ActorRef<TaskRunner.Command> runner) {
    this.data = data;
    this.attempt = attempt;
    this.output = output;
    this.blockingExecutor = blockingExecutor;
    this.runner = runner::tell;
  }

  @Override
  public String tenant() {
    return data.tenant();
  }

  @Override
  public String sessionId() {
    return data.sessionId();
  }

  @Override
  public String taskId() {
    return data.taskId();
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public TaskSpec spec() {
    return data.spec();
  }

  /** Progress messages and questions are kept short, and whole: never half a character. */
  static final int MAX_TEXT_CHARS = 1000;

  @Override
  public void progress(Integer percent, String message) {
    Integer bounded = percent == null ? null : Math.max(0, Math.min(100, percent));
    runner.accept(new TaskRunner.ExecutorProgress(bounded, clean(message)));
  }

  /**
   * {@code text} cut to {@link #MAX_TEXT_CHARS} without splitting a surrogate pair, and with any
   * lone surrogate replaced: the journal's serializer refuses half characters.
   */
  static String clean(String text) {
    if (text == null) return null;
    String cut = text.length() <= MAX_TEXT_CHARS ? text : text.substring(0, MAX_TEXT_CHARS);
    StringBuilder clean = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < cut.length() && Character.isLowSurrogate(cut.charAt(i + 1))) {
        clean.append(c).append(cut.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        clean.append('\uFFFD');
      } else {
        clean.append(c);
      }
    }
    return clean.toString();
  }

  @Override
  public void output(String text) {
    output.append(text);
  }

  @Override
  public void output(byte[] bytes, int offset, int length) {
    output.append(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
  }

  @Override
  public CompletionStage<String> ask(String question) {
    var answer = new CompletableFuture<String>();
    synchronized (lock) {
      if (cancelled) {
        answer.completeExceptionally(new AttemptCancelledException());
        return answer;
      }
      onCancel.add(() -> answer.completeExceptionally(new AttemptCancelledException()));
    }
    runner.accept(new TaskRunner.ExecutorAsked(clean(question), answer));
    return answer;
  }

  @Override
  public String askAndWait(String question) throws AttemptCancelledException {
    try {
      String answer = ask(question).toCompletableFuture().get();
      checkpoint();
      return answer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AttemptCancelledException();
    } catch (ExecutionException | CompletionException e) {
      throw new AttemptCancelledException();
    }
  }

  @Override
  public boolean isPaused() {
    synchronized (lock) {
      return paused;
    }
  }

  @Override
  public boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  @Override
  public void checkpoint() throws AttemptCancelledException {
    synchronized (lock) {
      while (paused && !cancelled) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AttemptCancelledException();
        }
      }
      if (cancelled) throw new AttemptCancelledException();
    }
  }

  @Override
  public void onPause(Runnable action) {
    synchronized (lock) {
      onPause.add(action);
    }
  }

  @Override
  public void onResume(Runnable action) {
    synchronized (lock) {
      onResume.add(action);
    }
  }

  @Override
  public void onCancel(Runnable action) {
    boolean runNow;
    synchronized (lock) {
      runNow = cancelled;
      if (!runNow) onCancel.add(action);
    }
    if (runNow) action.run();
  }

  @Override
  public Executor blockingExecutor() {
    return blockingExecutor;
  }

  // ---- called by the runner

  void pause() {
    List<Runnable> actions;
    synchronized (lock) {
      if (paused || cancelled) return;
      paused = true;
      actions = List.copyOf(onPause);
    }
    actions.forEach(RunnerContext::runQuietly);
  }

  void resume() {
    List<Runnable> actions;
    synchronized (lock) {
      if (!paused || cancelled) return;
      paused = false;
      lock.notifyAll();
      actions = List.copyOf(onResume);
    }
    actions.forEach(RunnerContext::runQuietly);
  }

  void cancel() {
    List<Runnable> actions;
    synchronized (lock) {
      if (cancelled) return;
      cancelled = true;
      lock.notifyAll();
      actions = List.copyOf(onCancel);
      onCancel.clear();
    }
    actions.forEach(RunnerContext::runQuietly);
  }

  private static void runQuietly(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      // A failing hook must not stop the others; the attempt's outcome reports what went wrong.
    }
  }
}
