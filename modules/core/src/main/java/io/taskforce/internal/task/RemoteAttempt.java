package io.taskforce.internal.task;

import io.taskforce.api.ErrorType;
import io.taskforce.api.TaskError;
import io.taskforce.internal.node.NodeSlots;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The task entity's end of an attempt that runs on another node's slot (work pulling). To the
 * entity it is a runner like a local one, a child it tells pause, resume, cancel and answers, and
 * that reports progress, questions and exactly one ending before it stops; it passes all of that
 * to and from the runner on the other node. If that node is lost, the attempt ends as lost with
 * it ({@code node-lost}); if this end stops first (the task ended, or its own node goes down),
 * the other node is told to stop the runner and free the slot.
 */
final class RemoteAttempt {
  private RemoteAttempt() {}

  private record HostLost() {}

  static Behavior<Object> create(
      ActorRef<NodeSlots.Command> host, long lease, TaskData data, int attempt, ActorRef<TaskCommand> entity) {
    return Behaviors.setup(ctx -> {
      ActorRef<TaskCommand> self = ctx.getSelf().narrow();
      host.tell(new NodeSlots.RunAttempt(lease, self, data, attempt));
      ctx.watchWith(host, new HostLost());
      return Behaviors.receive(Object.class)
          .onMessage(TaskRunner.Command.class, command -> {
            host.tell(new NodeSlots.ToRunner(lease, command));
            return Behaviors.same();
          })
          .onMessage(TaskCommand.RunnerEnded.class, ended -> {
            entity.tell(ended);
            return Behaviors.stopped();
          })
          .onMessage(TaskCommand.class, report -> {
            entity.tell(report);
            return Behaviors.same();
          })
          .onMessage(HostLost.class, lost -> {
            TaskError error = new TaskError(ErrorType.NODE_LOST, "the node running attempt " + attempt
                + " (" + host.path().address() + ") was lost");
            entity.tell(new TaskCommand.RunnerEnded(attempt, new AttemptOutcome.Failed(error, OutputTail.EMPTY)));
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, stop -> {
            host.tell(new NodeSlots.Release(self, lease));
            return Behaviors.same();
          })
          .build();
    });
  }
}
