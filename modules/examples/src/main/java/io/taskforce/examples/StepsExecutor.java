package io.taskforce.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.TaskExecutor;

/**
 * The demo's stand-in for a subagent: works through the named steps of its input, one every
 * {@code stepMillis}, reporting each as progress; it holds at a {@link AttemptContext#checkpoint()}
 * while paused and ends there when cancelled. Input: {@code {"steps": ["reading the code", ...],
 * "stepMillis"?: 500, "result"?: {...}}}; the result is the input's {@code result}.
 */
final class StepsExecutor {
  static final String NAME = "subagent";
  private static final long DEFAULT_STEP_MILLIS = 500;

  private StepsExecutor() {}

  /** Blocking work on Taskforce's blocking pool; the demo makes its inputs itself, so no validate(). */
  static TaskExecutor create() {
    return TaskExecutor.blocking(StepsExecutor::work);
  }

  private static JsonNode work(AttemptContext context) throws AttemptCancelledException, InterruptedException {
    JsonNode steps = context.input().path("steps");
    long stepMillis = context.input().path("stepMillis").asLong(DEFAULT_STEP_MILLIS);
    for (int step = 1; step <= steps.size(); step++) {
      Thread.sleep(stepMillis); // the work of one step
      context.checkpoint(); // holds here while paused; throws once cancelled
      context.progress(100 * step / steps.size(), step + "/" + steps.size() + " " + steps.get(step - 1).asText());
    }
    JsonNode result = context.input().path("result");
    return result.isMissingNode() ? JsonNodeFactory.instance.objectNode().put("steps", steps.size()) : result;
  }
}
