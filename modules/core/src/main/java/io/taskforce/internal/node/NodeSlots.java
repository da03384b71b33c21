package io.taskforce.internal.node;

import io.taskforce.internal.task.TaskCommand;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * This node's attempt slots ({@code taskforce.node.max-running}). Tasks that got their session's
 * grant ask here for a slot; beyond the limit they wait, highest priority first, then oldest. A
 * holder or waiter that stops (its entity passivated, crashed or moved) gives its place back.
 */
public final class NodeSlots extends AbstractBehavior<NodeSlots.Command> {

  public sealed interface Command {}

  /** Asks for a slot; answered with {@link TaskCommand.NodeSlotGranted} when there is one. */
  public record Acquire(ActorRef<TaskCommand> task, int priority, long createdAtMillis)
      implements Command {}

  /** The task no longer needs its slot (its attempt ended) or its place in the queue. */
  public record Release(ActorRef<TaskCommand> task) implements Command {}

  public record GetLoad(ActorRef<Load> replyTo) implements Command {}

  public record Load(int running, int waiting, int maxRunning) {}

  private record Stopped(ActorRef<TaskCommand> task) implements Command {}

  private record Waiter(ActorRef<TaskCommand> task, int priority, long createdAtMillis, long order) {}

  private static final Comparator<Waiter> PRIORITY_ORDER =
      Comparator.comparingInt((Waiter w) -> -w.priority())
          .thenComparingLong(Waiter::createdAtMillis)
          .thenComparingLong(Waiter::order);

  public static Behavior<Command> create(int maxRunning) {
    return Behaviors.setup(ctx -> new NodeSlots(ctx, maxRunning));
  }

  private final int maxRunning;
  private final Set<ActorRef<TaskCommand>> holders = new HashSet<>();
  private final TreeSet<Waiter> queue = new TreeSet<>(PRIORITY_ORDER);
  private final Map<ActorRef<TaskCommand>, Waiter> waiting = new HashMap<>();
  private long arrivals;

  private NodeSlots(ActorContext<Command> context, int maxRunning) {
    super(context);
    this.maxRunning = maxRunning;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, r -> onGone(r.task()))
        .onMessage(Stopped.class, s -> onGone(s.task()))
        .onMessage(GetLoad.class, this::onGetLoad)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    var task = acquire.task();
    if (holders.contains(task)) {
      task.tell(new TaskCommand.NodeSlotGranted()); // a retold request: grant again
      return this;
    }
    if (waiting.containsKey(task)) return this;
    getContext().watchWith(task, new Stopped(task));
    var waiter = new Waiter(task, acquire.priority(), acquire.createdAtMillis(), arrivals++);
    waiting.put(task, waiter);
    queue.add(waiter);
    grantFreeSlots();
    return this;
  }

  private Behavior<Command> onGone(ActorRef<TaskCommand> task) {
    boolean held = holders.remove(task);
    Waiter waiter = waiting.remove(task);
    if (waiter != null) queue.remove(waiter);
    if (held || waiter != null) getContext().unwatch(task);
    grantFreeSlots();
    return this;
  }

  private Behavior<Command> onGetLoad(GetLoad get) {
    get.replyTo().tell(new Load(holders.size(), queue.size(), maxRunning));
    return this;
  }

  private void grantFreeSlots() {
    while (holders.size() < maxRunning && !queue.isEmpty()) {
      Waiter next = queue.pollFirst();
      waiting.remove(next.task());
      holders.add(next.task());
      next.task().tell(new TaskCommand.NodeSlotGranted());
    }
  }
}
