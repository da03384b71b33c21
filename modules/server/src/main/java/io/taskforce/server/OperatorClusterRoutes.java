package io.taskforce.server;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The cluster routes of Pekko Management ({@code /cluster/members}, {@code /cluster/shards/...})
 * behind the operator credentials, read-only unless configured otherwise. Without credentials
 * they are not served; the health checks ({@code /alive}, {@code /ready}) stay open either way,
 * as they are routes of their own.
 */
public final class OperatorClusterRoutes implements ManagementRouteProvider {
  private final ExtendedActorSystem system;

  public OperatorClusterRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Config config = system.settings().config().getConfig("taskforce.server");
    String user = config.getString("admin-user");
    String password = config.getString("admin-password");
    if (user.isEmpty() || password.isEmpty()) return Directives.reject();
    Cluster cluster = Cluster.get(system);
    Route clusterRoutes = config.getBoolean("cluster-routes-read-only")
        ? ClusterHttpManagementRoutes.readOnly(cluster)
        : ClusterHttpManagementRoutes.all(cluster);
    return Directives.authenticateBasic("taskforce-operators",
        credentials -> credentials
            .filter(c -> c.identifier().equals(user) && c.verify(password))
            .map(c -> c.identifier()),
        operator -> clusterRoutes);
  }

}
