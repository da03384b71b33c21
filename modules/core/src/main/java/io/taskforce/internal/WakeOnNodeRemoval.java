package io.taskforce.internal;

import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.session.SessionEntity;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * When a node leaves the cluster (crashed and downed, or drained), the tasks whose shards lived
 * there are down: tasks are not remembered entities. One of these per node tells each session
 * living on its node to wake its started tasks, which brings them back on their shards' new nodes.
 * Sessions of the removed node need no telling: they are remembered, come back on another node and
 * wake their tasks as they recover.
 *
 * <p>The wake waits {@code delay} after the removal: a message sent before this node's shard
 * region has seen the old region terminated would go to the dead one and be lost. Later, the
 * region buffers messages for the orphaned shards until the coordinator gives them a new home.
 */
public final class WakeOnNodeRemoval {
  private WakeOnNodeRemoval() {}

  public sealed interface Command {}

  private record Removed(ClusterEvent.MemberRemoved event) implements Command {}

  private record WakeLocalSessions() implements Command {}

  private record LocalSessions(ShardRegion.CurrentShardRegionState state) implements Command {}

  public static Behavior<Command> create(ActorRef<ClusterShardingQuery> shardState, EntityRefs entities, Duration delay) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberRemoved.class, Removed::new), ClusterEvent.MemberRemoved.class));
      ActorRef<ShardRegion.CurrentShardRegionState> stateAdapter =
          ctx.messageAdapter(ShardRegion.CurrentShardRegionState.class, LocalSessions::new);
      return Behaviors.receive(Command.class)
          .onMessage(Removed.class, removed -> {
            ctx.getLog().info("Node {} left the cluster: the sessions here wake their started tasks in {} ms",
                removed.event().member().address(), delay.toMillis());
            // A removal during the delay starts it again: one wake follows removals close together.
            timers.startSingleTimer("wake", new WakeLocalSessions(), delay);
            return Behaviors.same();
          })
          .onMessage(WakeLocalSessions.class, wake -> {
            shardState.tell(new GetShardRegionState(SessionEntity.TYPE_KEY, stateAdapter));
            return Behaviors.same();
          })
          .onMessage(LocalSessions.class, local -> {
            int sessions = 0;
            for (ShardRegion.ShardState shard : local.state().getShards()) {
              for (String sessionId : shard.getEntityIds()) {
                entities.session(sessionId).tell(new SessionCommand.WakeStartedTasks());
                sessions++;
              }
            }
            ctx.getLog().debug("{} sessions told to wake their started tasks", sessions);
            return Behaviors.same();
          })
          .build();
    }));
  }
}
