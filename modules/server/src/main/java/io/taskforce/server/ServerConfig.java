package io.taskforce.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.taskforce.TaskforceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The server's configuration: {@code conf/} (through {@code -Dconfig.file}) and every
 * reference.conf, with the environment variables of API.md that HOCON cannot express by itself.
 */
public final class ServerConfig {
  private ServerConfig() {}

  public static Config load(Map<String, String> environment) {
    return ClusterFormation.derive(TaskforceConfig.load(fromEnvironment(environment)));
  }

  /** {@code TASKFORCE_SEEDS} ({@code host:port,host:port}) as Pekko seed-node addresses. */
  static Config fromEnvironment(Map<String, String> environment) {
    String seeds = environment.getOrDefault("TASKFORCE_SEEDS", "").trim();
    if (seeds.isEmpty()) return ConfigFactory.empty();
    String systemName = ConfigFactory.load().getString("taskforce.system-name");
    List<String> addresses = new ArrayList<>();
    for (String seed : seeds.split(",")) {
      String hostPort = seed.trim();
      if (hostPort.isEmpty()) continue;
      if (!hostPort.matches("[^:/@]+:\\d{1,5}")) {
        throw new IllegalArgumentException("TASKFORCE_SEEDS must be host:port pairs separated by commas, not '"
            + hostPort + "'");
      }
      addresses.add("pekko://" + systemName + "@" + hostPort);
    }
    return ConfigFactory.empty().withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
  }
}
