package io.taskforce.internal.session;

import io.taskforce.internal.EntityRefs;
import io.taskforce.internal.task.TaskCommand;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Wakes the started tasks of the sessions that came back on this node, at most {@code
 * node.wake-window} of them at a time for the whole node. After a restart every session comes
 * back at once with all its started tasks; woken all together, their replays and writes queue
 * behind each other in the journal (docs/benchmarks.md, "Scale"). A window per session would not
 * bound the node (a thousand sessions, a thousand windows) and would move only as fast as its
 * session reads answers between its writes.
 *
 * <p>A woken task answers its session with its unconfirmed reports, none if it has none; the
 * session tells this waker ({@link Answered}), and the next task is woken. That the place frees
 * when the session has read the answer, not when the task is up, is what holds the waking to the
 * pace the sessions write at. A task not heard of within one to two {@code node.wake-answer-timeout}
 * is given up (a lost message; the session's periodic wake reaches it later). When all the tasks a
 * session handed over are answered or given up, the session is told ({@link
 * SessionCommand.WakesDone}). Messages here are local: a session hands its tasks to the waker of
 * its own node, and a session that stops (handed off, passivated) takes its tasks out of the queue.
 */
public final class TaskWaker extends AbstractBehavior<TaskWaker.Command> {

  public sealed interface Command {}

  /** A started task to wake, and the last of its reports its session applied. */
  public record Sleeper(String taskEntityId, long upTo) {}

  /** A session that came back hands over its started tasks. */
  public record WakeTasks(ActorRef<SessionCommand> session, List<Sleeper> tasks) implements Command {}

  /** The session heard from this task (a report, an empty answer, a forget): its place is free. */
  public record Answered(String taskEntityId) implements Command {}

  private record GiveUpTick() implements Command {}

  private record SessionStopped(ActorRef<SessionCommand> session) implements Command {}

  private record Queued(ActorRef<SessionCommand> session, Sleeper sleeper) {}

  public static Behavior<Command> create(EntityRefs entities, int window, Duration answerTimeout) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new TaskWaker(ctx, timers, entities, window, answerTimeout)));
  }

  private final TimerScheduler<Command> timers;
  private final EntityRefs entities;
  private final int window;
  private final Duration answerTimeout;
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  /** Woken and not heard of yet, with the session that will hear. */
  private final Map<String, ActorRef<SessionCommand>> waking = new HashMap<>();
  /** Those of {@link #waking} at the last tick: still silent at the next, they are given up. */
  private Set<String> wakingAtLastTick = Set.of();
  /** Per session, its tasks queued or waking; a session is watched while it has any. */
  private final Map<ActorRef<SessionCommand>, Integer> outstanding = new HashMap<>();

  private TaskWaker(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, EntityRefs entities, int window,
      Duration answerTimeout) {
    super(ctx);
    this.timers = timers;
    this.entities = entities;
    this.window = window;
    this.answerTimeout = answerTimeout;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WakeTasks.class, this::onWakeTasks)
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(GiveUpTick.class, this::onGiveUpTick)
        .onMessage(SessionStopped.class, this::onSessionStopped)
        .build();
  }

  private Behavior<Command> onWakeTasks(WakeTasks wake) {
    if (wake.tasks().isEmpty()) {
      wake.session().tell(new SessionCommand.WakesDone());
      return this;
    }
    if (!outstanding.containsKey(wake.session())) {
      getContext().watchWith(wake.session(), new SessionStopped(wake.session()));
    }
    outstanding.merge(wake.session(), wake.tasks().size(), Integer::sum);
    wake.tasks().forEach(sleeper -> queue.add(new Queued(wake.session(), sleeper)));
    wakeNext();
    return this;
  }

  private Behavior<Command> onAnswered(Answered answered) {
    ActorRef<SessionCommand> session = waking.remove(answered.taskEntityId());
    if (session != null) {
      release(session);
      wakeNext();
    }
    return this;
  }

  private Behavior<Command> onGiveUpTick(GiveUpTick tick) {
    int givenUp = 0;
    for (String taskEntityId : wakingAtLastTick) {
      ActorRef<SessionCommand> session = waking.remove(taskEntityId);
      if (session != null) {
        release(session);
        givenUp++;
      }
    }
    if (givenUp > 0) {
      getContext().getLog().debug("{} woken tasks not heard of within {}: given up, {} waking, {} queued",
          givenUp, answerTimeout, waking.size(), queue.size());
    }
    wakingAtLastTick = Set.copyOf(waking.keySet());
    wakeNext();
    return this;
  }

  private Behavior<Command> onSessionStopped(SessionStopped stopped) {
    outstanding.remove(stopped.session());
    queue.removeIf(queued -> queued.session().equals(stopped.session()));
    waking.values().removeIf(stopped.session()::equals);
    wakeNext();
    return this;
  }

  private void wakeNext() {
    while (waking.size() < window && !queue.isEmpty()) {
      Queued next = queue.poll();
      Sleeper sleeper = next.sleeper();
      if (waking.putIfAbsent(sleeper.taskEntityId(), next.session()) != null) {
        release(next.session()); // handed over twice (a session that came back twice): woken once
        continue;
      }
      entities.task(sleeper.taskEntityId()).tell(new TaskCommand.Wake(sleeper.upTo()));
    }
    if (waking.isEmpty()) {
      timers.cancel("give-up");
      wakingAtLastTick = Set.of();
    } else if (!timers.isTimerActive("give-up")) {
      timers.startTimerWithFixedDelay("give-up", new GiveUpTick(), answerTimeout);
    }
  }

  private void release(ActorRef<SessionCommand> session) {
    Integer left = outstanding.computeIfPresent(session, (s, n) -> n - 1);
    if (left != null && left <= 0) {
      outstanding.remove(session);
      getContext().unwatch(session);
      session.tell(new SessionCommand.WakesDone());
    }
  }
}
