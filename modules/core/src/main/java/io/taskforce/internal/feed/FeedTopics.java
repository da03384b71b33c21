package io.taskforce.internal.feed;

import io.taskforce.api.FeedEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * This node's end of the live feed: one distributed pub-sub {@link Topic} per session (keyed by
 * its entity id, so tenants never share one), made on first use and stopped when it has been
 * unused for a while and has no local subscriber.
 */
public final class FeedTopics extends AbstractBehavior<FeedTopics.Command> {

  public sealed interface Command {}

  public record Publish(String sessionKey, FeedEvent event) implements Command {}

  public record Subscribe(String sessionKey, ActorRef<FeedEvent> subscriber) implements Command {}

  public record Unsubscribe(String sessionKey, ActorRef<FeedEvent> subscriber) implements Command {}

  private record Sweep() implements Command {}

  private record Stats(String sessionKey, Topic.TopicStats stats) implements Command {}

  private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

  public static Behavior<Command> create() {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new FeedTopics(ctx, timers)));
  }

  private final Map<String, ActorRef<Topic.Command<FeedEvent>>> topics = new HashMap<>();
  private final Map<String, Boolean> usedSinceSweep = new HashMap<>();

  private FeedTopics(ActorContext<Command> context, TimerScheduler<Command> timers) {
    super(context);
    timers.startTimerWithFixedDelay(new Sweep(), SWEEP_INTERVAL);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, p -> {
          topic(p.sessionKey()).tell(Topic.publish(p.event()));
          return this;
        })
        .onMessage(Subscribe.class, s -> {
          topic(s.sessionKey()).tell(Topic.subscribe(s.subscriber()));
          return this;
        })
        .onMessage(Unsubscribe.class, u -> {
          var topic = topics.get(u.sessionKey());
          if (topic != null) topic.tell(Topic.unsubscribe(u.subscriber()));
          return this;
        })
        .onMessage(Sweep.class, s -> sweep())
        .onMessage(Stats.class, this::onStats)
        .build();
  }

  private ActorRef<Topic.Command<FeedEvent>> topic(String sessionKey) {
    usedSinceSweep.put(sessionKey, true);
    return topics.computeIfAbsent(
        sessionKey,
        key -> getContext().spawnAnonymous(Topic.create(FeedEvent.class, "taskforce-feed-" + key)));
  }

  private Behavior<Command> sweep() {
    for (var entry : topics.entrySet()) {
      if (usedSinceSweep.remove(entry.getKey()) == null) {
        String key = entry.getKey();
        getContext()
            .pipeToSelf(
                org.apache.pekko.actor.typed.javadsl.AskPattern.<Topic.Command<FeedEvent>, Topic.TopicStats>ask(
                    entry.getValue(), Topic::getTopicStats, Duration.ofSeconds(5), getContext().getSystem().scheduler()),
                (stats, failure) -> new Stats(key, stats));
      }
    }
    return this;
  }

  private Behavior<Command> onStats(Stats stats) {
    if (stats.stats() != null
        && stats.stats().localSubscriberCount() == 0
        && !usedSinceSweep.containsKey(stats.sessionKey())) {
      var topic = topics.remove(stats.sessionKey());
      if (topic != null) getContext().stop(topic);
    }
    return this;
  }
}
