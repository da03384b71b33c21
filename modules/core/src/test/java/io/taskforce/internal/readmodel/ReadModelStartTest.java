package io.taskforce.internal.readmodel;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/** The read model refuses a system that is not a cluster system, saying so, and opens no pool. */
class ReadModelStartTest {
  @Test
  void refusesALocalActorSystem() {
    ReadModelScenario.quietLogging();
    ActorTestKit kit =
        ActorTestKit.create(
            "ReadModelStartTest", ConfigFactory.load(ConfigFactory.parseString("pekko.actor.provider = local")));
    try {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> ReadModel.start(kit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS));
      IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
      assertTrue(cause.getMessage().contains("pekko.actor.provider = cluster"), cause.getMessage());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
