package io.taskforce.server.admin;

import com.typesafe.config.Config;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.HealthCheckSettings;
import org.apache.pekko.management.javadsl.CheckResult;
import org.apache.pekko.management.javadsl.HealthChecks;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The open health routes of the management port, in place of Pekko Management's own provider: the
 * liveness and readiness checks of {@code pekko.management.health-checks} at their paths ({@code
 * /alive}, {@code /ready}), without credentials, and nothing else: Pekko's provider also serves
 * {@code /startup}, which stays closed here like every route an operator did not ask for.
 *
 * <p>{@code 200 OK} when every check passes; {@code 503} with the failing check's reason (plain
 * text) when one does not, so probes and load balancers see "not now" rather than an error.
 */
public final class HealthRoutes implements ManagementRouteProvider {
  private final HealthChecks checks;
  private final HealthCheckSettings settings;

  public HealthRoutes(ExtendedActorSystem system) {
    Config config = system.settings().config().getConfig("pekko.management.health-checks");
    this.settings = HealthCheckSettings.create(config);
    this.checks = new HealthChecks(system, settings);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings providerSettings) {
    return Directives.concat(
        check(settings.readinessPath(), checks::readyResult),
        check(settings.livenessPath(), checks::aliveResult));
  }

  private static Route check(String path, Supplier<CompletionStage<CheckResult>> result) {
    return Directives.path(PathMatchers.separateOnSlashes(path), () -> Directives.get(() ->
        Directives.completeWithFuture(result.get().handle((outcome, failure) -> {
          if (failure != null) return unhealthy("Health Check Failed: " + message(failure));
          if (outcome.isSuccess()) return HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK");
          return unhealthy("Not Healthy: " + outcome.failure().orElse("a check failed"));
        }))));
  }

  private static HttpResponse unhealthy(String reason) {
    return HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, reason);
  }

  private static String message(Throwable failure) {
    Throwable t = failure;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
