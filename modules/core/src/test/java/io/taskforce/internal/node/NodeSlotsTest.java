package io.taskforce.internal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskforce.TaskforceSettings;
import io.taskforce.api.TaskSpec;
import io.taskforce.internal.metrics.TaskforceMetrics;
import io.taskforce.internal.task.AttemptOutcome;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskCommand.NodeSlotGranted;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskReply;
import io.taskforce.spi.AttemptCancelledException;
import io.taskforce.spi.ExecutorRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The slot keepers of several nodes, in one ActorSystem: each registers with the Receptionist
 * and sees the others as peers, as in a cluster. Tasks are probes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSlotsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString(
      "taskforce.node.peer-status-interval = 200ms").withFallback(ConfigFactory.load()));
  private final ExecutorService blocking = Executors.newCachedThreadPool();
  /** The {@code gate} executor's attempts finish when their task's future completes. */
  private final Map<String, CompletableFuture<JsonNode>> gates = new ConcurrentHashMap<>();
  private final ExecutorRegistry executors = new ExecutorRegistry().register("gate", context -> {
    var gate = gates.computeIfAbsent(context.taskId(), id -> new CompletableFuture<>());
    context.onCancel(() -> gate.completeExceptionally(new AttemptCancelledException()));
    return gate;
  });
  private final List<ActorRef<NodeSlots.Command>> keepers = new ArrayList<>();
  private final List<TestProbe<NodeSlots.Command>> probePeers = new ArrayList<>();
  private int keeperCount;

  @AfterEach
  void stopKeepers() {
    keepers.forEach(testKit::stop);
    keepers.clear();
    probePeers.forEach(TestProbe::stop);
    probePeers.clear();
  }

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
    blocking.shutdownNow();
  }

  private ActorRef<NodeSlots.Command> keeper(int maxRunning) {
    return keeper(maxRunning, Duration.ofSeconds(5));
  }

  private ActorRef<NodeSlots.Command> keeper(int maxRunning, Duration offerTimeout) {
    var settings = TaskforceSettings.from(ConfigFactory.parseString("taskforce.node.max-running = " + maxRunning
            + "\ntaskforce.node.offer-timeout = " + offerTimeout.toMillis() + "ms")
        .withFallback(testKit.system().settings().config()));
    var keeper = testKit.spawn(NodeSlots.create(settings, "node-" + (++keeperCount),
        new NodeSlots.RunnerSupport(executors, blocking, Clock.systemUTC()),
        new TaskforceMetrics(new SimpleMeterRegistry())), "slots-" + keeperCount);
    keepers.add(keeper);
    return keeper;
  }

  private NodeSlotGranted acquire(ActorRef<NodeSlots.Command> keeper, TestProbe<TaskCommand> task, int priority,
      long createdAt) {
    keeper.tell(new NodeSlots.Acquire(task.ref(), priority, createdAt));
    return task.expectMessageClass(NodeSlotGranted.class, WAIT);
  }

  /** Waits until every keeper has the others as peers (their listings arrive asynchronously). */
  private void awaitPeers(List<ActorRef<NodeSlots.Command>> all) {
    var probe = testKit.createTestProbe(NodeSlots.Peers.class);
    probe.awaitAssert(WAIT, () -> {
      for (var keeper : all) {
        keeper.tell(new NodeSlots.GetPeers(probe.ref()));
        assertEquals(all.size() - 1, probe.receiveMessage().waitingByPeer().size());
      }
      return null;
    });
  }

  /** Waits until {@code keeper} heard that {@code waiting} tasks wait at its one peer. */
  private void awaitPeerWaiting(ActorRef<NodeSlots.Command> keeper, int waiting) {
    var probe = testKit.createTestProbe(NodeSlots.Peers.class);
    probe.awaitAssert(WAIT, () -> {
      keeper.tell(new NodeSlots.GetPeers(probe.ref()));
      assertEquals(List.of(waiting), List.copyOf(probe.receiveMessage().waitingByPeer().values()));
      return null;
    });
  }

  @Test
  void waitersGetFreedSlotsHighestPriorityFirstThenOldest() {
    var keeper = keeper(1);
    var holder = testKit.createTestProbe(TaskCommand.class);
    var low = testKit.createTestProbe(TaskCommand.class);
    var high = testKit.createTestProbe(TaskCommand.class);
    var highYounger = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(keeper, holder, 0, 1);
    keeper.tell(new NodeSlots.Acquire(low.ref(), 0, 2));
    keeper.tell(new NodeSlots.Acquire(highYounger.ref(), 5, 9));
    keeper.tell(new NodeSlots.Acquire(high.ref(), 5, 3));
    low.expectNoMessage(Duration.ofMillis(200));

    keeper.tell(new NodeSlots.Release(holder.ref(), granted.lease()));
    var next = high.expectMessageClass(NodeSlotGranted.class, WAIT);
    assertEquals(keeper, next.host());
    keeper.tell(new NodeSlots.Release(high.ref(), next.lease()));
    var then = highYounger.expectMessageClass(NodeSlotGranted.class, WAIT);
    keeper.tell(new NodeSlots.Release(highYounger.ref(), then.lease()));
    low.expectMessageClass(NodeSlotGranted.class, WAIT);
  }

  @Test
  void aFullNodesWaitersRunOnAnotherNodesFreeSlots() {
    var full = keeper(1);
    var idle = keeper(3);
    awaitPeers(List.of(full, idle));
    List<TestProbe<TaskCommand>> tasks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      var task = testKit.createTestProbe(TaskCommand.class);
      tasks.add(task);
      full.tell(new NodeSlots.Acquire(task.ref(), 0, i));
    }
    int here = 0;
    int there = 0;
    for (var task : tasks) {
      var granted = task.expectMessageClass(NodeSlotGranted.class, WAIT);
      if (granted.host().equals(full)) here++;
      if (granted.host().equals(idle)) there++;
    }
    assertEquals(1, here);
    assertEquals(3, there);
    // The idle node counts an offered slot as running once the full node says which task took it,
    // which may come just after the task's grant: asked until then, within the deadline.
    var load = testKit.createTestProbe(NodeSlots.Load.class);
    load.awaitAssert(WAIT, () -> {
      idle.tell(new NodeSlots.GetLoad(load.ref()));
      assertEquals(3, load.receiveMessage().running());
      return null;
    });
  }

  @Test
  void aFreedSlotGoesToTheHigherPriorityWaiterOfAnotherNode() {
    var a = keeper(1);
    var b = keeper(1);
    awaitPeers(List.of(a, b));
    var holderA = testKit.createTestProbe(TaskCommand.class);
    var holderB = testKit.createTestProbe(TaskCommand.class);
    acquire(a, holderA, 0, 1);
    var leaseB = acquire(b, holderB, 0, 1);
    var urgentAtA = testKit.createTestProbe(TaskCommand.class);
    var routineAtB = testKit.createTestProbe(TaskCommand.class);
    a.tell(new NodeSlots.Acquire(urgentAtA.ref(), 9, 5));
    b.tell(new NodeSlots.Acquire(routineAtB.ref(), 1, 4));
    awaitPeerWaiting(b, 1); // b heard of a's waiter before its slot frees
    b.tell(new NodeSlots.Release(holderB.ref(), leaseB.lease()));
    var granted = urgentAtA.expectMessageClass(NodeSlotGranted.class, WAIT);
    assertEquals(b, granted.host());
    routineAtB.expectNoMessage(Duration.ofMillis(200));
  }

  /**
   * A peer that is only a probe: registered with the Receptionist like a slot keeper, so {@code
   * keeper} lists it; it says what it wants to and answers offers only when the test does.
   */
  private TestProbe<NodeSlots.Command> probePeer(ActorRef<NodeSlots.Command> keeper) {
    var peer = testKit.createTestProbe(NodeSlots.Command.class);
    probePeers.add(peer);
    testKit.system().receptionist().tell(Receptionist.register(NodeSlots.KEY, peer.ref()));
    var peers = testKit.createTestProbe(NodeSlots.Peers.class);
    peers.awaitAssert(WAIT, () -> {
      keeper.tell(new NodeSlots.GetPeers(peers.ref()));
      assertEquals(Set.of(peer.ref().path().toString()), peers.receiveMessage().waitingByPeer().keySet());
      return null;
    });
    return peer;
  }

  /** The next offer {@code peer} receives (it also receives the keeper's status messages). */
  private NodeSlots.Offer expectOffer(TestProbe<NodeSlots.Command> peer) {
    var got = peer.fishForMessage(WAIT, "an offer", m ->
        m instanceof NodeSlots.Offer ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    return (NodeSlots.Offer) got.get(got.size() - 1);
  }

  @Test
  void aSlotOfferedToAPeerThatNeverAnswersIsFreeAgainAfterTheOfferTimeout() {
    var keeper = keeper(1, Duration.ofMillis(800));
    var peer = probePeer(keeper);
    keeper.tell(new NodeSlots.PeerStatus(peer.ref(), 1, 9, 1)); // an urgent task waits there
    assertEquals(1, expectOffer(peer).leases().size());
    var local = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.Acquire(local.ref(), 0, 2));
    local.expectNoMessage(Duration.ofMillis(300)); // the one slot is reserved for the peer
    var granted = local.expectMessageClass(NodeSlotGranted.class, WAIT); // the peer never answered
    assertEquals(keeper, granted.host());
  }

  @Test
  void aSlotOfferedToAPeerThatLeavesIsFreeAgainAtOnce() {
    var keeper = keeper(1, Duration.ofMinutes(10)); // the timeout plays no part here
    var peer = probePeer(keeper);
    keeper.tell(new NodeSlots.PeerStatus(peer.ref(), 1, 9, 1));
    expectOffer(peer);
    var local = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.Acquire(local.ref(), 0, 2));
    local.expectNoMessage(Duration.ofMillis(300));
    peer.stop(); // its node died: the Receptionist no longer lists it
    assertEquals(keeper, local.expectMessageClass(NodeSlotGranted.class, WAIT).host());
  }

  @Test
  void anAnswerAfterTheOfferTimedOutStillGetsTheSlotWhenItIsFree() {
    var keeper = keeper(1, Duration.ofMillis(500));
    var peer = probePeer(keeper);
    keeper.tell(new NodeSlots.PeerStatus(peer.ref(), 1, 9, 1));
    long late = expectOffer(peer).leases().get(0);
    keeper.tell(new NodeSlots.PeerStatus(peer.ref(), 1, 9, 1)); // still waiting: offered again once the first offer is dropped
    var again = expectOffer(peer);
    assertTrue(again.leases().get(0) != late);
    keeper.tell(new NodeSlots.OfferTaken(peer.ref(), again.leases(), List.of(), List.of())); // not needed any more
    var remoteTask = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.OfferTaken(peer.ref(), List.of(late), List.of(late), List.of(remoteTask.ref())));
    var link = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.RunAttempt(late, link.ref(), data("late-1"), 1));
    var load = testKit.createTestProbe(NodeSlots.Load.class);
    load.awaitAssert(WAIT, () -> {
      keeper.tell(new NodeSlots.GetLoad(load.ref()));
      assertEquals(1, load.receiveMessage().running());
      return null;
    });
    gates.computeIfAbsent("late-1", id -> new CompletableFuture<>())
        .complete(JsonNodeFactory.instance.objectNode().put("ok", true));
    assertInstanceOf(AttemptOutcome.Succeeded.class, link.expectMessageClass(TaskCommand.RunnerEnded.class, WAIT).outcome());
  }

  @Test
  void anAnswerAfterTheOfferTimedOutWhenTheSlotIsTakenHasItsAttemptRunElsewhere() {
    var keeper = keeper(1, Duration.ofMillis(500));
    var peer = probePeer(keeper);
    keeper.tell(new NodeSlots.PeerStatus(peer.ref(), 1, 9, 1));
    long late = expectOffer(peer).leases().get(0);
    var local = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.Acquire(local.ref(), 0, 2));
    local.expectMessageClass(NodeSlotGranted.class, WAIT); // the offer timed out, the slot went here
    var remoteTask = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.OfferTaken(peer.ref(), List.of(late), List.of(late), List.of(remoteTask.ref())));
    var link = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.RunAttempt(late, link.ref(), data("late-2"), 1));
    assertInstanceOf(AttemptOutcome.Interrupted.class, link.expectMessageClass(TaskCommand.RunnerEnded.class, WAIT).outcome());
    var load = testKit.createTestProbe(NodeSlots.Load.class);
    keeper.tell(new NodeSlots.GetLoad(load.ref()));
    assertEquals(1, load.receiveMessage().running()); // never more than max-running
  }

  @Test
  void anAttemptRunsOnTheLeasingNodeAndReportsToItsLink() {
    var host = keeper(1);
    var task = testKit.createTestProbe(TaskCommand.class);
    var link = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(host, task, 0, 1);
    host.tell(new NodeSlots.RunAttempt(granted.lease(), link.ref(), data("remote-1"), 1));
    var output = testKit.createTestProbe(TaskReply.class);
    host.tell(new NodeSlots.ReadOutput(granted.lease(), 0, 1024, output.ref()));
    assertInstanceOf(TaskReply.Output.class, output.receiveMessage(WAIT));
    gates.computeIfAbsent("remote-1", id -> new CompletableFuture<>())
        .complete(JsonNodeFactory.instance.objectNode().put("ok", true));
    var ended = link.expectMessageClass(TaskCommand.RunnerEnded.class, WAIT);
    assertInstanceOf(AttemptOutcome.Succeeded.class, ended.outcome());
    host.tell(new NodeSlots.Release(link.ref(), granted.lease()));
    var next = testKit.createTestProbe(TaskCommand.class);
    acquire(host, next, 0, 2); // the slot is free again
  }

  @Test
  void aRetoldAcquireGetsTheSameGrantAndAHolderThatStopsFreesItsSlot() {
    var keeper = keeper(2);
    var first = testKit.createTestProbe(TaskCommand.class);
    var second = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(keeper, first, 0, 1);
    long secondLease = acquire(keeper, second, 0, 2).lease();
    assertEquals(granted.lease(), acquire(keeper, first, 0, 1).lease()); // the grant was lost: told again
    var waiter = testKit.createTestProbe(TaskCommand.class);
    keeper.tell(new NodeSlots.Acquire(waiter.ref(), 0, 3));
    var load = testKit.createTestProbe(NodeSlots.Load.class);
    keeper.tell(new NodeSlots.GetLoad(load.ref()));
    var full = load.receiveMessage(WAIT);
    assertEquals(List.of(2, 1), List.of(full.running(), full.queued()));

    first.stop(); // its entity is gone without a Release
    waiter.expectMessageClass(NodeSlotGranted.class, WAIT);
    keeper.tell(new NodeSlots.Release(second.ref(), secondLease));
    load.awaitAssert(WAIT, () -> {
      keeper.tell(new NodeSlots.GetLoad(load.ref()));
      var now = load.receiveMessage(WAIT);
      assertEquals(List.of(1, 0), List.of(now.running(), now.queued()));
      return null;
    });
  }

  @Test
  void aLinkThatStopsCancelsItsAttemptAndFreesTheSlot() {
    var host = keeper(1);
    var task = testKit.createTestProbe(TaskCommand.class);
    var link = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(host, task, 0, 1);
    host.tell(new NodeSlots.RunAttempt(granted.lease(), link.ref(), data("orphan"), 1));
    var waiter = testKit.createTestProbe(TaskCommand.class);
    host.tell(new NodeSlots.Acquire(waiter.ref(), 0, 2));
    waiter.expectNoMessage(Duration.ofMillis(200));
    link.stop(); // its node died
    task.stop();
    waiter.expectMessageClass(NodeSlotGranted.class, WAIT);
  }

  @Test
  void aDrainingNodeStartsNothingLetsItsWaitersRunElsewhereAndHandsBackWhatStillRuns() {
    var draining = keeper(2);
    var other = keeper(2);
    awaitPeers(List.of(draining, other));
    var remoteTask = testKit.createTestProbe(TaskCommand.class);
    var link = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(draining, remoteTask, 0, 1);
    draining.tell(new NodeSlots.RunAttempt(granted.lease(), link.ref(), data("long"), 1));

    var drained = testKit.createTestProbe(NodeSlots.Drained.class);
    draining.tell(new NodeSlots.StartDraining(Duration.ofMillis(500), drained.ref()));
    var waiter = testKit.createTestProbe(TaskCommand.class);
    draining.tell(new NodeSlots.Acquire(waiter.ref(), 0, 2));
    assertEquals(other, waiter.expectMessageClass(NodeSlotGranted.class, WAIT).host());

    drained.expectMessageClass(NodeSlots.Drained.class, WAIT);
    var ended = link.expectMessageClass(TaskCommand.RunnerEnded.class, WAIT);
    assertInstanceOf(AttemptOutcome.Interrupted.class, ended.outcome());
    var load = testKit.createTestProbe(NodeSlots.Load.class);
    draining.tell(new NodeSlots.GetLoad(load.ref()));
    assertTrue(load.receiveMessage().draining());
  }

  @Test
  void aDrainEndsAsSoonAsNothingRunsAnyMore() {
    var keeper = keeper(1);
    var task = testKit.createTestProbe(TaskCommand.class);
    var granted = acquire(keeper, task, 0, 1);
    var drained = testKit.createTestProbe(NodeSlots.Drained.class);
    keeper.tell(new NodeSlots.StartDraining(Duration.ofSeconds(60), drained.ref()));
    drained.expectNoMessage(Duration.ofMillis(200));
    keeper.tell(new NodeSlots.Release(task.ref(), granted.lease()));
    drained.expectMessageClass(NodeSlots.Drained.class, WAIT);
  }

  private static TaskData data(String taskId) {
    return new TaskData("acme", taskId, "s1", TaskSpec.of("gate", null), Instant.now());
  }
}
