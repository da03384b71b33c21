package io.taskforce.server;

import io.taskforce.server.admin.OperatorAccess;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The cluster routes of Pekko Management ({@code /cluster/members}, {@code /cluster/shards/...},
 * {@code /cluster/domain-events}) behind the operator credentials ({@link OperatorAccess}),
 * read-only unless {@code taskforce.server.cluster-routes-read-only} is off. Without credentials
 * they are not served; the health checks ({@code /alive}, {@code /ready}) stay open either way, as
 * they are routes of their own.
 */
public final class OperatorClusterRoutes implements ManagementRouteProvider {
  private final ExtendedActorSystem system;

  public OperatorClusterRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Optional<OperatorAccess> access = OperatorAccess.fromConfig(system.settings().config());
    if (access.isEmpty()) return Directives.reject();
    Cluster cluster = Cluster.get(system);
    Route clusterRoutes = system.settings().config().getBoolean("taskforce.server.cluster-routes-read-only")
        ? ClusterHttpManagementRoutes.readOnly(cluster)
        : ClusterHttpManagementRoutes.all(cluster);
    // Only requests under /cluster are asked for credentials (the prefix is not consumed).
    return Directives.pathPrefixTest("cluster", () -> access.get().guard(operator -> clusterRoutes));
  }
}
