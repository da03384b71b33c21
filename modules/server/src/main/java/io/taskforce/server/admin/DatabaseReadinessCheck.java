package io.taskforce.server.admin;

import io.taskforce.Taskforce;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management readiness check: this node is ready only once its Taskforce has started and
 * the journal's database answers a trivial query ({@code SELECT 1} through the read model's pool)
 * within three quarters of {@code pekko.management.health-checks.check-timeout}. It fails, saying
 * why, otherwise; Pekko's cluster membership check ({@code ready-states = ["Up"]}) runs beside it.
 */
public final class DatabaseReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final AdminContext context;
  private final Duration timeout;

  public DatabaseReadinessCheck(ActorSystem system) {
    this.context = AdminContext.get(system);
    Duration checkTimeout = system.settings().config().getDuration("pekko.management.health-checks.check-timeout");
    this.timeout = Duration.ofMillis(Math.max(100, checkTimeout.toMillis() * 3 / 4));
  }

  @Override
  public CompletionStage<Boolean> get() {
    Optional<Taskforce> taskforce = context.taskforce();
    if (taskforce.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalStateException("Taskforce is not started on this node yet"));
    }
    return taskforce.get().checkDatabase(timeout).thenApply(done -> Boolean.TRUE);
  }
}
