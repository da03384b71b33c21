package io.taskforce.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.api.ErrorType;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.spi.InvalidInputException;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.spi.TaskFailure;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host executors that tests steer by name: each test uses names of its own, so tests sharing one
 * node never meet.
 */
public final class TestExecutors {
  private TestExecutors() {}

  public static final ObjectMapper JSON = new ObjectMapper();

  /** gate: runs until the test opens the gate of its input's name; its result is the gate's value. */
  public static final Map<String, CompletableFuture<JsonNode>> GATES = new ConcurrentHashMap<>();
  /** Completed when an attempt of the gate of that name has started. */
  public static final Map<String, CompletableFuture<Integer>> GATE_STARTED = new ConcurrentHashMap<>();
  /** ticker: ticks counted per name while it runs; a paused ticker does not tick. */
  public static final Map<String, AtomicLong> TICKS = new ConcurrentHashMap<>();
  /** failing: attempts counted per name. */
  public static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();
  /** Completed when an attempt of that name was told to cancel. */
  public static final Map<String, CompletableFuture<Boolean>> CANCELLED = new ConcurrentHashMap<>();

  public static CompletableFuture<JsonNode> gate(String name) {
    return GATES.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  public static CompletableFuture<Integer> gateStarted(String name) {
    return GATE_STARTED.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  public static CompletableFuture<Boolean> cancelled(String name) {
    return CANCELLED.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  public static AtomicLong ticks(String name) {
    return TICKS.computeIfAbsent(name, n -> new AtomicLong());
  }

  public static ObjectNode input(String key, Object value) {
    ObjectNode node = JSON.createObjectNode();
    node.set(key, JSON.valueToTree(value));
    return node;
  }

  public static ExecutorRegistry registry() {
    return new ExecutorRegistry()
        .register("echo", context -> CompletableFuture.completedFuture(echo(context.input())))
        .register("gate", new TaskExecutor() {
          @Override
          public CompletableFuture<JsonNode> start(io.taskforce.spi.AttemptContext context) {
            String name = context.input().path("gate").asText();
            context.onCancel(() -> cancelled(name).complete(true));
            context.progress(null, "waiting at gate " + name);
            gateStarted(name).complete(context.attempt());
            var result = new CompletableFuture<JsonNode>();
            gate(name).whenComplete((value, failure) -> {
              if (failure != null) result.completeExceptionally(failure);
              else result.complete(value);
            });
            context.onCancel(() -> result.completeExceptionally(new AttemptCancelledException()));
            return result;
          }

          @Override
          public void validate(JsonNode input) throws InvalidInputException {
            if (!input.path("gate").isTextual()) throw new InvalidInputException("gate", "gate must be a string");
          }
        })
        .register("ticker", TaskExecutor.blocking(context -> {
          String name = context.input().path("name").asText();
          long target = context.input().path("ticks").asLong(Long.MAX_VALUE);
          context.onCancel(() -> cancelled(name).complete(true));
          AtomicLong counter = ticks(name);
          while (counter.get() < target) {
            context.checkpoint();
            long n = counter.incrementAndGet();
            context.progress((int) Math.min(100, n * 100 / Math.max(1, target)), "tick " + n);
            context.output("tick " + n + "\n");
            Thread.sleep(10);
          }
          return input("ticks", counter.get());
        }))
        .register("asker", TaskExecutor.blocking(context -> {
          String answer = context.askAndWait(context.input().path("question").asText("continue?"));
          return input("answer", answer);
        }))
        .register("failing", context -> {
          String name = context.input().path("name").asText();
          int attempt = ATTEMPTS.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
          ErrorType type = ErrorType.fromWire(context.input().path("type").asText("exit"));
          int succeedOn = context.input().path("succeedOnAttempt").asInt(0);
          if (succeedOn > 0 && attempt >= succeedOn) {
            return CompletableFuture.completedFuture(input("attempt", attempt));
          }
          return CompletableFuture.failedFuture(new TaskFailure(type, "failure number " + attempt));
        });
  }

  private static JsonNode echo(JsonNode input) {
    ObjectNode result = JSON.createObjectNode();
    result.set("echo", input);
    return result;
  }
}
