package io.taskforce.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * How every Taskforce entity persists: under {@code <type>|<tenant>|<id>}, in Taskforce's own
 * journal and snapshot store (never the host's), tagged for the read model, snapshotted every few
 * events, restarted with backoff when a write fails, and stopped only through its shard (sessions
 * are remembered entities, whom their shard would otherwise start again).
 */
public abstract class TaskforceEntity<C, E, S> extends EventSourcedBehaviorWithEnforcedReplies<C, E, S> {
  protected final String entityId;
  protected final TaskforceRuntime runtime;
  protected final ActorContext<C> ctx;
  protected final TimerScheduler<C> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Set<String> tags;
  private final int snapshotEvery;

  protected TaskforceEntity(
      String typeName,
      String tag,
      int snapshotEvery,
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      TaskforceRuntime runtime,
      ActorContext<C> ctx,
      TimerScheduler<C> timers) {
    super(
        PersistenceId.ofUniqueId(typeName + "|" + entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.entityId = entityId;
    this.runtime = runtime;
    this.ctx = ctx;
    this.timers = timers;
    this.shard = shard;
    this.tags = Set.of(tag);
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public String journalPluginId() {
    return runtime.settings().journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return runtime.settings().snapshotPluginId();
  }

  @Override
  public Set<String> tagsFor(E event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  /** Asks the shard to stop this entity (which then also forgets a remembered one). */
  protected ReplyEffect<E, S> passivate() {
    shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
    return Effect().noReply();
  }

  protected Instant now() {
    return runtime.clock().instant();
  }
}
