package io.taskforce.spi;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executors a node can run, by name. Every node of a cluster registers the same names before
 * Taskforce starts, because an attempt may run on any node.
 */
public final class ExecutorRegistry {
  private final Map<String, TaskExecutor> executors = new ConcurrentHashMap<>();

  public ExecutorRegistry register(String name, TaskExecutor executor) {
    if (name == null || !name.matches("[a-z][a-z0-9_-]{0,63}")) {
      throw new IllegalArgumentException(
          "executor name must be lowercase letters, digits, '_' or '-', was '" + name + "'");
    }
    if (executors.putIfAbsent(name, executor) != null) {
      throw new IllegalStateException("an executor named '" + name + "' is registered already");
    }
    return this;
  }

  public Optional<TaskExecutor> find(String name) {
    return Optional.ofNullable(executors.get(name));
  }

  public Set<String> names() {
    return Set.copyOf(executors.keySet());
  }
}
