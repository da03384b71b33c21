package io.taskforce.server.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /metrics} on the management port: the node's Micrometer registry in the Prometheus
 * text exposition format (version 0.0.4), behind the operator credentials like every operator
 * route (Prometheus scrapes with {@code basic_auth}); not served without them.
 */
public final class MetricsRoutes implements ManagementRouteProvider {
  /** The Prometheus text format, version 0.0.4. */
  static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ExtendedActorSystem system;

  public MetricsRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Optional<OperatorAccess> access = OperatorAccess.fromConfig(system.settings().config());
    if (access.isEmpty()) return Directives.reject();
    AdminContext context = AdminContext.get(system);
    return Directives.path("metrics", () -> access.get().guard(operator -> Directives.get(() -> {
      Optional<PrometheusMeterRegistry> registry = context.metrics();
      if (registry.isEmpty()) return Directives.complete(AdminProblems.notStarted().response());
      byte[] text = registry.get().scrape().getBytes(StandardCharsets.UTF_8);
      return Directives.complete(HttpResponse.create().withEntity(PROMETHEUS_TEXT, text));
    })));
  }
}
