package io.taskforce.server.cluster.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import io.taskforce.TaskforceConfig;
import io.taskforce.server.ClusterFormation;
import io.taskforce.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The repository's {@code conf/application.conf} (with its includes) loaded the way {@code
 * ./taskforce server} loads it, under an environment given by the test instead of the process's
 * own: the variables are resolved from {@code environment} only.
 */
final class ConfFiles {
  private ConfFiles() {}

  /** The repository root: the directory above the working directory that holds the launcher and conf/. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("conf/application.conf")) && Files.isRegularFile(d.resolve("taskforce"))) {
        return d;
      }
    }
    throw new IllegalStateException("no repository root above " + dir);
  }

  static Path conf(String name) {
    return root().resolve("conf").resolve(name);
  }

  /** What ServerConfig.load(environment) makes when the launcher passes conf/application.conf. */
  static Config load(Map<String, String> environment) {
    Config application = ConfigFactory.parseFile(conf("application.conf").toFile(),
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config seeds = ConfigFactory.empty();
    if (environment.containsKey("TASKFORCE_SEEDS")) {
      // The seeds are turned into addresses by the server's own code, not by HOCON.
      seeds = ConfigFactory.empty().withValue("pekko.cluster.seed-nodes",
          ServerConfig.load(Map.of("TASKFORCE_SEEDS", environment.get("TASKFORCE_SEEDS")))
              .getValue("pekko.cluster.seed-nodes"));
    }
    Config stack = seeds
        .withFallback(application)
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        // ${?TASKFORCE_X} finds the test's variables at the root, and only there.
        .withFallback(ConfigFactory.parseMap(environment, "the test's environment"));
    Config resolved = stack.resolve(ConfigResolveOptions.noSystem());
    return ClusterFormation.derive(TaskforceConfig.derive(resolved));
  }
}
