package io.taskforce.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.InvalidInputException;
import io.taskforce.spi.TaskExecutor;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;

/**
 * A host application's own executor: "summarizes" a text in timed steps, standing in for a model
 * call or any other long blocking work. It shows what a cooperative executor does:
 * <ul>
 *   <li>checks its input when the task is dispatched ({@link #validate}: a bad input is refused
 *       before anything is stored);
 *   <li>reports progress after each step;
 *   <li>calls {@link AttemptContext#checkpoint()} between steps, so a pause holds it there and a
 *       cancel ends it there;
 *   <li>returns its result as JSON.
 * </ul>
 * Input: {@code {"text": "...", "steps"?: 4, "stepMillis"?: 250}}.
 */
public final class SummarizeExecutor implements TaskExecutor {
  static final int DEFAULT_STEPS = 4;
  static final long DEFAULT_STEP_MILLIS = 250;
  private static final int SUMMARY_WORDS = 8;

  /** The blocking work runs on Taskforce's blocking pool, one thread per running attempt. */
  private final TaskExecutor blocking = TaskExecutor.blocking(this::summarize);

  @Override
  public CompletionStage<JsonNode> start(AttemptContext context) {
    return blocking.start(context);
  }

  @Override
  public void validate(JsonNode input) throws InvalidInputException {
    if (!input.path("text").isTextual() || input.path("text").asText().isBlank()) {
      throw new InvalidInputException("text", "text is required: the text to summarize");
    }
    int steps = input.path("steps").asInt(DEFAULT_STEPS);
    if (steps < 1 || steps > 100) throw new InvalidInputException("steps", "steps must be within 1..100");
  }

  private JsonNode summarize(AttemptContext context) throws AttemptCancelledException, InterruptedException {
    String[] words = context.input().path("text").asText().trim().split("\\s+");
    int steps = context.input().path("steps").asInt(DEFAULT_STEPS);
    long stepMillis = context.input().path("stepMillis").asLong(DEFAULT_STEP_MILLIS);
    for (int step = 1; step <= steps; step++) {
      Thread.sleep(stepMillis); // one step of the work
      context.checkpoint(); // returns at once, blocks while paused, throws once cancelled
      int read = words.length * step / steps;
      context.progress(100 * step / steps, "read " + read + " of " + words.length + " words");
      context.output("step " + step + ": read " + read + " words\n");
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.put("summary", String.join(" ", Arrays.copyOf(words, Math.min(SUMMARY_WORDS, words.length)))
        + (words.length > SUMMARY_WORDS ? " ..." : ""));
    result.put("words", words.length);
    return result;
  }
}
