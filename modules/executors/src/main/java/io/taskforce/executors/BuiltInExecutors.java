package io.taskforce.executors;

import com.typesafe.config.Config;
import io.taskforce.executors.openai.OpenAiExecutor;
import io.taskforce.executors.process.ProcessExecutor;
import io.taskforce.spi.ExecutorRegistry;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Registers the built-in executors ({@code process}, {@code openai}) that the configuration
 * enables. Call it before Taskforce starts on the node: the process executor first kills what a
 * previous run of the node left behind. Close the result when the node stops.
 */
public final class BuiltInExecutors implements AutoCloseable {
  private final ProcessExecutor process;

  private BuiltInExecutors(ProcessExecutor process) {
    this.process = process;
  }

  public static BuiltInExecutors register(ExecutorRegistry registry, Config config) {
    Path dataDir = Path.of(config.getString("taskforce.data-dir")).toAbsolutePath();
    OpenAiExecutor.Settings openai = OpenAiExecutor.Settings.from(config);
    ProcessExecutor process = null;
    if (config.getBoolean("taskforce.executors.process.enabled")) {
      // A command never sees the keys of the model endpoints.
      Set<String> keys = openai.endpoints().stream().map(OpenAiExecutor.Endpoint::apiKeyEnv)
          .filter(name -> !name.isEmpty()).collect(Collectors.toSet());
      process = ProcessExecutor.create(ProcessExecutor.Settings.from(config, dataDir, keys));
      registry.register("process", process);
    }
    if (config.getBoolean("taskforce.executors.openai.enabled")) {
      registry.register("openai", new OpenAiExecutor(openai));
    }
    return new BuiltInExecutors(process);
  }

  /** Stops every process still running (SIGTERM, SIGKILL after the grace period). */
  @Override
  public void close() {
    if (process != null) process.close();
  }
}
