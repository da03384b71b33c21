package io.taskforce.internal;

import io.taskforce.internal.readmodel.ReadModel;
import io.taskforce.internal.readmodel.ReadModel.TaskKey;
import io.taskforce.internal.task.TaskCommand;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Wakes every task that the read model lists as pending, once when it starts (after the task
 * projection has caught up with the journal, up to {@link #FIRST_CATCH_UP}) and then at every
 * interval. One runs in the cluster
 * (a sharded daemon process).
 *
 * <p>Tasks are not remembered entities: a task's session wakes it (a grant, a confirmation, a wake
 * of its started tasks). The one task no session knows of is a dispatch that was
 * stored but not answered, its node dying before the session applied its first report; this sweep
 * wakes it, and a woken task tells its session. Waking a live task, or one its session already
 * knows, changes nothing. Pages are paced so that a restart with many pending tasks does not
 * recover them all at once.
 */
public final class PendingTaskSweep {
  private PendingTaskSweep() {}

  public sealed interface Command {}

  private record Sweep() implements Command {}

  private record NextPage(TaskKey after) implements Command {}

  private record Page(List<TaskKey> keys) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  /** Tasks woken per page; a page every {@code PAGE_PAUSE}. */
  static final int PAGE_SIZE = 100;

  /**
   * 100 tasks a second: a safety net, not the way back. After a restart the sessions wake the
   * tasks they know, a window at a time as they come back; a faster sweep would wake them all over
   * again in its own pages, at a rate that takes no account of how fast the journal is writing.
   */
  static final Duration PAGE_PAUSE = Duration.ofSeconds(1);
  /**
   * How long the first sweep waits for the task projection to reach the journal's end (what a dead
   * node left is in the journal, perhaps not yet in the read model). Later sweeps do not wait and
   * hold no connection of the read model's small pool: what the projection has not reached yet,
   * the next sweep finds.
   */
  static final Duration FIRST_CATCH_UP = Duration.ofSeconds(20);

  public static Behavior<Command> create(ReadModel readModel, EntityRefs entities, Duration interval) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      return sweeping(readModel, entities, interval, timers, null, FIRST_CATCH_UP);
    }));
  }

  private static Behavior<Command> idle(
      ReadModel readModel, EntityRefs entities, Duration interval, TimerScheduler<Command> timers) {
    return Behaviors.receive(Command.class)
        .onMessage(Sweep.class, sweep -> sweeping(readModel, entities, interval, timers, null, Duration.ZERO))
        .onAnyMessage(other -> Behaviors.same())
        .build();
  }

  private static Behavior<Command> sweeping(
      ReadModel readModel, EntityRefs entities, Duration interval, TimerScheduler<Command> timers, TaskKey after,
      Duration catchUp) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(readModel.pendingTasks(after, PAGE_SIZE, catchUp),
          (keys, failure) -> failure == null ? new Page(keys) : new Failed(failure));
      return Behaviors.receive(Command.class)
          .onMessage(Page.class, page -> {
            for (TaskKey key : page.keys()) {
              entities.task(EntityIds.of(key.tenant(), key.taskId())).tell(new TaskCommand.ConfirmReports(0));
            }
            if (page.keys().size() < PAGE_SIZE) {
              timers.startSingleTimer(new Sweep(), interval);
              return idle(readModel, entities, interval, timers);
            }
            timers.startSingleTimer(new NextPage(page.keys().get(page.keys().size() - 1)), PAGE_PAUSE);
            return Behaviors.same();
          })
          .onMessage(NextPage.class, next -> sweeping(readModel, entities, interval, timers, next.after(), Duration.ZERO))
          .onMessage(Failed.class, failed -> {
            ctx.getLog().debug("pending-task sweep: the read model cannot be read now ({}); again in {}",
                failed.cause().toString(), interval);
            timers.startSingleTimer(new Sweep(), interval);
            return idle(readModel, entities, interval, timers);
          })
          .onAnyMessage(other -> Behaviors.same())
          .build();
    });
  }
}
