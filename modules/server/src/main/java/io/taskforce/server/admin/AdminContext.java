package io.taskforce.server.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.taskforce.Taskforce;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * What the management routes and health checks need of the running node, which Pekko Management
 * cannot hand them (it makes route providers and checks from the ActorSystem alone): the node's
 * {@link Taskforce} facade and its Prometheus registry. {@code ServerMain} attaches them once the
 * node has started; until then the admin routes answer 503, {@code /metrics} too, and the node is
 * not ready. One per ActorSystem (a Pekko extension).
 */
public final class AdminContext implements Extension {

  private static final AbstractExtensionId<AdminContext> ID = new AbstractExtensionId<>() {
    @Override
    public AdminContext createExtension(ExtendedActorSystem system) {
      return new AdminContext();
    }
  };

  private record Attached(Taskforce taskforce, PrometheusMeterRegistry metrics) {}

  private volatile Attached attached;

  private AdminContext() {}

  public static AdminContext get(ClassicActorSystemProvider system) {
    return ID.get(system);
  }

  /** Makes the running node's facade and registry known to the management routes. */
  public void attach(Taskforce taskforce, PrometheusMeterRegistry metrics) {
    this.attached = new Attached(Objects.requireNonNull(taskforce, "taskforce"), Objects.requireNonNull(metrics, "metrics"));
  }

  /** The node's facade, once attached. */
  public Optional<Taskforce> taskforce() {
    Attached a = attached;
    return a == null ? Optional.empty() : Optional.of(a.taskforce());
  }

  /** The node's Prometheus registry, once attached. */
  public Optional<PrometheusMeterRegistry> metrics() {
    Attached a = attached;
    return a == null ? Optional.empty() : Optional.of(a.metrics());
  }
}
