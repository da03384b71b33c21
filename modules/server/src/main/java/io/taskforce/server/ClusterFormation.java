package io.taskforce.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a server node finds its cluster, and the cluster settings that follow from other settings.
 *
 * <ul>
 *   <li>No discovery ({@code taskforce.cluster.discovery.method} empty, the default): static seed
 *       nodes ({@code TASKFORCE_SEEDS}), or, with none, the node joins itself (a cluster of one).
 *   <li>Discovery ({@code TASKFORCE_DISCOVERY}, e.g. {@code kubernetes-api}): Pekko Cluster
 *       Bootstrap finds the other nodes through that Pekko Discovery method and forms or joins the
 *       cluster; the node never joins itself on its own ({@code
 *       taskforce.cluster.join-self-without-seeds} is switched off), and seed nodes must not be
 *       set. Bootstrap talks to the other nodes' Pekko Management ports, so {@link #start} runs
 *       after Pekko Management has started.
 * </ul>
 *
 * {@link #derive} is applied to the server's configuration before its ActorSystem is made.
 */
public final class ClusterFormation {
  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);

  /** The Pekko Discovery method of Cluster Bootstrap; empty: no bootstrap. */
  public static final String METHOD = "taskforce.cluster.discovery.method";
  static final String STABLE_AFTER = "pekko.cluster.split-brain-resolver.stable-after";
  static final String DOWN_REMOVAL_MARGIN = "pekko.cluster.down-removal-margin";

  private ClusterFormation() {}

  /** Whether this configuration forms its cluster through Cluster Bootstrap. */
  public static boolean bootstrapEnabled(Config config) {
    return !method(config).isEmpty();
  }

  /**
   * {@code config} with what follows from it: with a discovery method, Pekko Discovery and Cluster
   * Bootstrap set up and self-joining off; the Split Brain Resolver's {@code stable-after} and the
   * {@code down-removal-margin}, given as a bare number, taken as seconds. Refuses settings that
   * cannot form a sound cluster (discovery with seed nodes, or with the per-node H2 journal).
   */
  public static Config derive(Config config) {
    Map<String, Object> derived = new HashMap<>();
    String method = method(config);
    if (!method.isEmpty()) {
      if (!config.hasPath("pekko.discovery." + method + ".class")) {
        throw new IllegalArgumentException("TASKFORCE_DISCOVERY (" + METHOD + ") names no Pekko Discovery method: '"
            + method + "' (kubernetes-api, or another method configured under pekko.discovery)");
      }
      if (!config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        throw new IllegalArgumentException("TASKFORCE_DISCOVERY and TASKFORCE_SEEDS are both set: a cluster forms "
            + "either through discovery (Cluster Bootstrap) or from static seed nodes; unset one of them");
      }
      if (!"postgres".equals(config.getString("taskforce.persistence.kind"))) {
        throw new IllegalArgumentException("TASKFORCE_DISCOVERY forms a cluster, and the nodes of a cluster share one "
            + "PostgreSQL database: set TASKFORCE_JOURNAL=postgres and TASKFORCE_DB_URL/USER/PASSWORD");
      }
      derived.put("pekko.discovery.method", method);
      derived.put("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method", "pekko.discovery");
      derived.put("taskforce.cluster.join-self-without-seeds", false);
    }
    for (String path : List.of(STABLE_AFTER, DOWN_REMOVAL_MARGIN)) {
      String bare = bareSeconds(config, path);
      if (bare != null) derived.put(path, bare + "s");
    }
    if (derived.isEmpty()) return config;
    return ConfigFactory.parseMap(derived, "derived by ClusterFormation").withFallback(config).resolve();
  }

  /**
   * Starts Cluster Bootstrap when a discovery method is configured; does nothing otherwise (static
   * seed nodes, or a node that joins itself). Call it once Pekko Management has started: bootstrap
   * answers the other nodes on its routes ({@code /bootstrap/seed-nodes}) and needs to know its own
   * contact point.
   */
  public static void start(ActorSystem<?> system) {
    Config config = system.settings().config();
    if (!bootstrapEnabled(config)) return;
    Config discovery = config.getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
    log.info("Forming the cluster through Cluster Bootstrap: discovery {}, service {}, at least {} contact points",
        method(config), discovery.getString("service-name"), discovery.getInt("required-contact-point-nr"));
    ClusterBootstrap.get(system.classicSystem()).start();
  }

  private static String method(Config config) {
    return config.hasPath(METHOD) ? config.getString(METHOD).trim() : "";
  }

  /** The value at {@code path} when it is a bare whole number (no unit), else null. */
  private static String bareSeconds(Config config, String path) {
    if (!config.hasPath(path)) return null;
    ConfigValue value = config.getValue(path);
    String text = value.unwrapped().toString().trim();
    boolean bare = (value.valueType() == ConfigValueType.NUMBER || value.valueType() == ConfigValueType.STRING)
        && text.matches("\\d+");
    return bare ? text : null;
  }
}
