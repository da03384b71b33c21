package io.taskforce.internal.readmodel;

import static io.taskforce.testing.TestExecutors.input;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.taskforce.Taskforce;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskEvent;
import io.taskforce.testing.TestConfigs;
import io.taskforce.testing.TestExecutors;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * Tasks are not remembered entities. A dispatch whose task was stored but whose session never
 * heard of it (its node died in between; the dispatch was never answered) is found by the
 * pending-task sweep, woken, and run to the end, with nobody asking about it.
 */
class PendingTaskSweepTest {

  @Test
  void aStoredTaskThatNoSessionKnowsIsWokenAndRunsWithoutAnyoneAskingAboutIt() throws Exception {
    var config = TestConfigs.h2(TestConfigs.freshDataDir(), "taskforce.task.pending-sweep-interval = 1s");
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "sweep", config);
    try {
      Taskforce tf = Taskforce.builder(system).executors(TestExecutors.registry()).start()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      // What a node that died right after storing the dispatch leaves behind: the task's Created
      // event, and nothing in the session's journal.
      TaskData data = new TaskData("default", "orphan", "s-orphan",
          TaskSpec.of("echo", input("n", 1)).withTitle("stored, never answered"), Instant.now());
      TestProbe<Done> written = TestProbe.create(system);
      system.systemActorOf(EventWriter.create("task|default|orphan"), "writer", org.apache.pekko.actor.typed.Props.empty())
          .tell(new EventWriter.Write(List.of(new TaskEvent.Created(data, data.createdAt())), written.ref()));
      written.expectMessage(Duration.ofSeconds(10), Done.getInstance());

      // Only the read model is read: a listing wakes no entity.
      TestProbe<Object> probe = TestProbe.create(system);
      probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
        List<TaskView> tasks = tf.list("default", "s-orphan", TaskFilter.all()).toCompletableFuture().join().items();
        assertEquals(1, tasks.size());
        assertEquals(TaskStatus.COMPLETED, tasks.get(0).status());
        return null;
      });
      // Its session heard of it from the task itself: dispatched, started and completed are on its feed.
      var session = tf.session("default", "s-orphan").toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(1L, session.counts().get("completed"));
      assertEquals(3, session.lastEventSeq());
    } finally {
      ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    }
  }
}
