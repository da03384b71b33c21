package io.taskforce.internal;

import io.taskforce.TaskforceSettings;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.metrics.TaskforceMetrics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.session.TaskWaker;
import io.taskforce.spi.ExecutorRegistry;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/** What the entities of one node need besides their own state; made once per node. */
public record TaskforceRuntime(
    TaskforceSettings settings,
    ExecutorRegistry executors,
    ActorRef<NodeSlots.Command> nodeSlots,
    ActorRef<FeedTopics.Command> feedTopics,
    EntityRefs entities,
    ActorRef<TaskWaker.Command> taskWaker,
    Executor blockingExecutor,
    Clock clock,
    TaskforceMetrics metrics) {}
