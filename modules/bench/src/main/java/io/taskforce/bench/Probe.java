package io.taskforce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.ExecutorRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The harness's own executors, and what they tell it: {@code noop} returns at once; {@code hold}
 * runs until cancelled (an idle running task: no thread, no process). A task whose input has a
 * {@code probe} key has the {@link System#nanoTime()} of its executor's first line ({@link
 * #started}) and of its return ({@link #returned}) recorded under that key; tasks without one
 * record nothing, so a throughput run keeps no per-task state here.
 */
public final class Probe {
  private Probe() {}

  static final ConcurrentHashMap<String, CompletableFuture<Long>> STARTS = new ConcurrentHashMap<>();
  static final ConcurrentHashMap<String, CompletableFuture<Long>> RETURNS = new ConcurrentHashMap<>();
  /** Attempts of {@code hold} that have started, since the JVM started. */
  static final AtomicLong HOLDS_STARTED = new AtomicLong();

  static CompletableFuture<Long> started(String key) {
    return STARTS.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  static CompletableFuture<Long> returned(String key) {
    return RETURNS.computeIfAbsent(key, k -> new CompletableFuture<>());
  }

  static void forget(String key) {
    STARTS.remove(key);
    RETURNS.remove(key);
  }

  static ObjectNode input(String key) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    if (key != null) input.put("probe", key);
    return input;
  }

  private static final JsonNode EMPTY = JsonNodeFactory.instance.objectNode();

  static ExecutorRegistry register(ExecutorRegistry registry) {
    registry.register("noop", context -> {
      long first = System.nanoTime();
      String key = context.input().path("probe").asText(null);
      if (key != null) started(key).complete(first);
      if (key != null) returned(key).complete(System.nanoTime());
      return CompletableFuture.completedFuture(EMPTY);
    });
    registry.register("hold", context -> {
      long first = System.nanoTime();
      HOLDS_STARTED.incrementAndGet();
      String key = context.input().path("probe").asText(null);
      if (key != null) started(key).complete(first);
      CompletableFuture<JsonNode> result = new CompletableFuture<>();
      context.onCancel(() -> result.completeExceptionally(new AttemptCancelledException()));
      return result;
    });
    return registry;
  }
}
