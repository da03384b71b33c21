package io.taskforce.internal.node;

import io.taskforce.TaskforceSettings;
import io.taskforce.api.ErrorType;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.metrics.TaskforceMetrics;
import io.taskforce.internal.task.AttemptOutcome;
import io.taskforce.internal.task.OutputBuffer;
import io.taskforce.internal.task.OutputTail;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskReply;
import io.taskforce.internal.task.TaskRunner;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.spi.TaskExecutor;
import io.taskforce.spi.TaskFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * This node's attempt slots ({@code taskforce.node.max-running}), and its part in sharing slots
 * across the cluster (work pulling).
 *
 * <p>Tasks hosted here ask for a slot ({@link Acquire}); beyond the limit they wait, highest
 * priority first, then oldest. A slot given out is a lease: the task runs its attempt in a runner
 * of its own when the lease is from this node, or asks the leasing node to run it ({@link
 * RunAttempt}) when it is from another.
 *
 * <p>The slot keepers of all nodes find each other through the Receptionist and tell each other
 * how many tasks wait for a slot and which comes first ({@link PeerStatus}). A node with a free
 * slot gives it to whichever waits first: its own waiter, or another node's, to which it offers a
 * lease ({@link Offer}); that node hands the lease to its first waiter. So no task waits while
 * another node idles, and priorities hold across the cluster, as far as the last status tells.
 * An offered lease is reserved for that peer until it answers ({@link OfferTaken}); if the peer
 * leaves the Receptionist's listing or does not answer within {@code taskforce.node.offer-timeout},
 * the lease is dropped and the slot is free again.
 *
 * <p>Draining, the node gives out no more slots (its own waiters are pulled by the others), waits
 * until its leases end or the drain time is up, then hands the attempts it runs for other nodes'
 * tasks back to them, to run elsewhere without counting as an attempt.
 */
public final class NodeSlots extends AbstractBehavior<NodeSlots.Command> {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "taskforce-node-slots");

  public interface Command {}

  // ---- from the task entities hosted on this node

  /** Asks for a slot; answered with {@link TaskCommand.NodeSlotGranted} when there is one. */
  public record Acquire(ActorRef<TaskCommand> task, int priority, long createdAtMillis) implements Command {}

  /** Gives lease {@code lease} back, or leaves the queue when {@code lease} is 0. */
  public record Release(ActorRef<TaskCommand> task, long lease) implements Command, JsonSerializable {}

  // ---- from a task holding a lease of this node while its entity lives on another node

  /** Runs {@code attempt} on lease {@code lease}, reporting to {@code attempt}'s link. */
  public record RunAttempt(long lease, ActorRef<TaskCommand> link, TaskData data, int attempt)
      implements Command, JsonSerializable {}

  /** Passes pause, resume, cancel or an answer on to the runner of lease {@code lease}. */
  public record ToRunner(long lease, TaskRunner.Command command) implements Command, JsonSerializable {}

  /** Reads the output of the attempt running on lease {@code lease}. */
  public record ReadOutput(long lease, long offset, int maxBytes, ActorRef<TaskReply> replyTo)
      implements Command, JsonSerializable {}

  // ---- between the slot keepers of the cluster's nodes

  /** How many tasks wait for a slot at {@code peer}, and the first of them. */
  public record PeerStatus(ActorRef<Command> peer, int waiting, int topPriority, long topCreatedAtMillis)
      implements Command, JsonSerializable {}

  /** {@code host} reserved these leases for the receiver's waiting tasks. */
  public record Offer(ActorRef<Command> host, List<Long> leases) implements Command, JsonSerializable {}

  /** Which of the offered leases went to which task; the others are not needed. */
  public record OfferTaken(
      ActorRef<Command> peer, List<Long> offered, List<Long> leases, List<ActorRef<TaskCommand>> tasks)
      implements Command, JsonSerializable {}

  // ---- operators and shutdown

  public record GetLoad(ActorRef<Load> replyTo) implements Command, JsonSerializable {}

  /** An operator's drain: answers the load, then stops this node (which drains first). */
  public record Drain(ActorRef<Load> replyTo) implements Command, JsonSerializable {}

  /** The node's shutdown began: drain, and answer once drained or {@code timeout} is up. */
  public record StartDraining(Duration timeout, ActorRef<Drained> replyTo) implements Command {}

  public record Load(String address, int running, int queued, int maxRunning, boolean draining)
      implements JsonSerializable {}

  public record Drained(int handedBack) {}

  /** What this keeper last heard of the others: how many tasks wait at each (by actor path). */
  public record GetPeers(ActorRef<Peers> replyTo) implements Command {}

  public record Peers(Map<String, Integer> waitingByPeer) {}

  // ---- its own

  private record Stopped(ActorRef<?> ref) implements Command {}

  private record RunnerDone(long lease) implements Command {}

  private record PeersChanged(Receptionist.Listing listing) implements Command {}

  private record StatusTick() implements Command {}

  private record ThrottleOver() implements Command {}

  private record DrainTimeUp() implements Command {}

  /** The peer offered {@code leases} has not said within the offer timeout which it took. */
  private record OfferTimedOut(ActorRef<Command> peer, List<Long> leases) implements Command {}

  /** The reason an operator's drain gives when it stops the node. */
  public static final class DrainReason implements CoordinatedShutdown.Reason {
    public static final DrainReason INSTANCE = new DrainReason();

    private DrainReason() {}

    @Override
    public String toString() {
      return "drained by an operator";
    }
  }

  private record Waiter(ActorRef<TaskCommand> task, int priority, long createdAtMillis, long order) {}

  private static final Comparator<Waiter> PRIORITY_ORDER =
      Comparator.comparingInt((Waiter w) -> -w.priority())
          .thenComparingLong(Waiter::createdAtMillis)
          .thenComparingLong(Waiter::order);

  /** A slot given out: reserved for a peer's waiter, held by a task, maybe running its attempt here. */
  private static final class Lease {
    final long id;
    ActorRef<TaskCommand> task; // null while offered to a peer
    ActorRef<Command> offeredTo; // the peer it is offered to, until it answers
    ActorRef<TaskCommand> link; // set while this node runs the attempt for another node's task
    ActorRef<TaskRunner.Command> runner;
    OutputBuffer output;
    int attempt;

    Lease(long id) {
      this.id = id;
    }
  }

  /**
   * The leases given out, by id and by the task entities they involve (as holder or as the task an
   * attempt runs for here). A node may hold 100,000 of them: nothing per message walks them all.
   */
  private static final class Leases {
    private final Map<Long, Lease> byId = new LinkedHashMap<>();
    private final Map<ActorRef<?>, List<Lease>> byTask = new HashMap<>();
    private int held;

    Lease get(long id) {
      return byId.get(id);
    }

    Lease open(long id) {
      Lease lease = new Lease(id);
      byId.put(id, lease);
      return lease;
    }

    void hold(Lease lease, ActorRef<TaskCommand> task) {
      lease.task = task;
      held++;
      index(task, lease);
    }

    void link(Lease lease, ActorRef<TaskCommand> link) {
      lease.link = link;
      if (!link.equals(lease.task)) index(link, lease);
    }

    void close(Lease lease) {
      if (byId.remove(lease.id) == null) return;
      if (lease.task != null) {
        held--;
        unindex(lease.task, lease);
      }
      if (lease.link != null && !lease.link.equals(lease.task)) unindex(lease.link, lease);
    }

    /** The leases held by or linked to {@code task}: usually none or one. */
    List<Lease> of(ActorRef<?> task) {
      return byTask.getOrDefault(task, List.of());
    }

    Collection<Lease> all() {
      return byId.values();
    }

    int size() {
      return byId.size();
    }

    /** Leases a task holds (here or on a peer's node), as opposed to slots offered and not yet taken. */
    int held() {
      return held;
    }

    private void index(ActorRef<?> task, Lease lease) {
      byTask.computeIfAbsent(task, t -> new ArrayList<>(1)).add(lease);
    }

    private void unindex(ActorRef<?> task, Lease lease) {
      List<Lease> of = byTask.get(task);
      if (of == null) return;
      of.remove(lease);
      if (of.isEmpty()) byTask.remove(task);
    }
  }

  /** What a peer said last, minus what was offered to it since. */
  private static final class PeerView {
    int waiting;
    int topPriority;
    long topCreatedAtMillis;
  }

  /** What a task entity hosted here runs its attempts with when its slot is on another node. */
  public record RunnerSupport(ExecutorRegistry executors, Executor blocking, Clock clock) {}

  private static final Duration STATUS_THROTTLE = Duration.ofMillis(25);

  public static Behavior<Command> create(
      TaskforceSettings settings, String address, RunnerSupport support, TaskforceMetrics metrics) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new NodeSlots(ctx, timers, settings, address, support, metrics)));
  }

  private final TimerScheduler<Command> timers;
  private final TaskforceSettings settings;
  private final String address;
  private final RunnerSupport support;
  private final TaskforceMetrics metrics;
  private final int maxRunning;

  private final TreeSet<Waiter> queue = new TreeSet<>(PRIORITY_ORDER);
  private final Map<ActorRef<TaskCommand>, Waiter> waiting = new HashMap<>();
  private final Leases leases = new Leases();
  private final Set<ActorRef<?>> watched = new HashSet<>();
  private final Map<ActorRef<Command>, PeerView> peers = new HashMap<>();
  private long arrivals;
  private long nextLease = 1;

  private boolean draining;
  private final List<ActorRef<Drained>> drainWaiters = new ArrayList<>();
  private PeerStatus lastStatusSent;
  private boolean statusDirty;

  private NodeSlots(ActorContext<Command> context, TimerScheduler<Command> timers, TaskforceSettings settings,
      String address, RunnerSupport support, TaskforceMetrics metrics) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.address = address;
    this.support = support;
    this.metrics = metrics;
    this.maxRunning = settings.maxRunning();
    var receptionist = context.getSystem().receptionist();
    receptionist.tell(Receptionist.register(KEY, context.getSelf()));
    receptionist.tell(Receptionist.subscribe(KEY, context.messageAdapter(Receptionist.Listing.class, PeersChanged::new)));
    timers.startTimerWithFixedDelay("heartbeat", new StatusTick(), settings.peerStatusInterval());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(RunAttempt.class, this::onRunAttempt)
        .onMessage(ToRunner.class, this::onToRunner)
        .onMessage(ReadOutput.class, this::onReadOutput)
        .onMessage(PeerStatus.class, this::onPeerStatus)
        .onMessage(Offer.class, this::onOffer)
        .onMessage(OfferTaken.class, this::onOfferTaken)
        .onMessage(OfferTimedOut.class, this::onOfferTimedOut)
        .onMessage(GetLoad.class, get -> {
          get.replyTo().tell(load());
          return this;
        })
        .onMessage(GetPeers.class, get -> {
          Map<String, Integer> waitingByPeer = new HashMap<>();
          peers.forEach((peer, view) -> waitingByPeer.put(peer.path().toString(), view.waiting));
          get.replyTo().tell(new Peers(Map.copyOf(waitingByPeer)));
          return this;
        })
        .onMessage(Drain.class, this::onDrain)
        .onMessage(StartDraining.class, this::onStartDraining)
        .onMessage(DrainTimeUp.class, d -> onDrainTimeUp())
        .onMessage(Stopped.class, this::onStopped)
        .onMessage(RunnerDone.class, this::onRunnerDone)
        .onMessage(PeersChanged.class, this::onPeersChanged)
        .onMessage(StatusTick.class, tick -> {
          sendStatus(true);
          return this;
        })
        .onMessage(ThrottleOver.class, over -> {
          if (statusDirty) sendStatus(false);
          return this;
        })
        .build();
  }

  // ---- this node's tasks

  private Behavior<Command> onAcquire(Acquire acquire) {
    var task = acquire.task();
    for (Lease lease : leases.of(task)) {
      if (task.equals(lease.task) && lease.link == null && lease.runner == null) {
        task.tell(new TaskCommand.NodeSlotGranted(getContext().getSelf(), lease.id)); // retold: grant again
        return this;
      }
    }
    if (waiting.containsKey(task)) return this;
    watch(task);
    var waiter = new Waiter(task, acquire.priority(), acquire.createdAtMillis(), arrivals++);
    waiting.put(task, waiter);
    queue.add(waiter);
    distribute();
    return this;
  }

  private Behavior<Command> onRelease(Release release) {
    if (release.lease() == 0) {
      removeWaiter(release.task());
    } else {
      Lease lease = leases.get(release.lease());
      if (lease != null && (release.task().equals(lease.task) || release.task().equals(lease.link))) {
        endLease(lease);
      }
    }
    distribute();
    return this;
  }

  private Behavior<Command> onStopped(Stopped stopped) {
    watched.remove(stopped.ref());
    Waiter waiter = waiting.remove(stopped.ref());
    if (waiter != null) queue.remove(waiter);
    for (Lease lease : List.copyOf(leases.of(stopped.ref()))) endLease(lease);
    distribute();
    return this;
  }

  // ---- attempts run here for tasks hosted elsewhere

  private Behavior<Command> onRunAttempt(RunAttempt run) {
    Lease lease = leases.get(run.lease());
    if (lease == null || lease.task == null || lease.runner != null || lease.link != null) {
      // The lease ended meanwhile (this node is draining, or restarted): run it elsewhere.
      run.link().tell(new TaskCommand.RunnerEnded(run.attempt(), new AttemptOutcome.Interrupted(OutputTail.EMPTY)));
      return this;
    }
    TaskData data = run.data();
    TaskExecutor executor = support.executors().find(data.spec().executor())
        .orElse(context -> CompletableFuture.failedFuture(new TaskFailure(ErrorType.EXECUTOR,
            "no executor named '" + data.spec().executor() + "' on node " + address)));
    leases.link(lease, run.link());
    lease.attempt = run.attempt();
    lease.output = new OutputBuffer(settings.outputTailBytes());
    lease.runner = getContext().spawnAnonymous(TaskRunner.create(data, run.attempt(), executor, lease.output,
        settings.finalOutputBytes(), support.blocking(), run.link(), support.clock(), true));
    getContext().watchWith(lease.runner, new RunnerDone(lease.id));
    watch(run.link());
    return this;
  }

  private Behavior<Command> onToRunner(ToRunner message) {
    Lease lease = leases.get(message.lease());
    if (lease != null && lease.runner != null) lease.runner.tell(message.command());
    return this;
  }

  private Behavior<Command> onReadOutput(ReadOutput read) {
    Lease lease = leases.get(read.lease());
    var chunk = lease != null && lease.output != null
        ? lease.output.read(read.offset(), read.maxBytes())
        : OutputTail.EMPTY.read(read.offset(), read.maxBytes());
    read.replyTo().tell(new TaskReply.Output(chunk));
    return this;
  }

  private Behavior<Command> onRunnerDone(RunnerDone done) {
    Lease lease = leases.get(done.lease());
    if (lease != null) lease.runner = null; // the lease ends with its Release (or its link's end)
    checkDrained();
    return this;
  }

  // ---- sharing slots with the other nodes

  private Behavior<Command> onPeersChanged(PeersChanged changed) {
    Set<ActorRef<Command>> listed = new HashSet<>(changed.listing().getServiceInstances(KEY));
    listed.remove(getContext().getSelf());
    peers.keySet().retainAll(listed);
    boolean added = false;
    for (ActorRef<Command> peer : listed) {
      if (peers.putIfAbsent(peer, new PeerView()) == null) added = true;
    }
    if (added) sendStatus(true); // a newcomer learns at once who waits here
    // A peer that left the listing (its node is gone or unreachable, or its keeper stopped) will
    // never say which of the slots offered to it it took: they are free again.
    int dropped = dropOffers(lease -> !listed.contains(lease.offeredTo));
    if (dropped > 0) {
      getContext().getLog().info("{} slots offered to a node that left are free again", dropped);
      distribute();
    }
    return this;
  }

  private Behavior<Command> onPeerStatus(PeerStatus status) {
    PeerView view = peers.get(status.peer());
    if (view == null) return this; // not listed (yet, or any more): its listing will come
    view.waiting = status.waiting();
    view.topPriority = status.topPriority();
    view.topCreatedAtMillis = status.topCreatedAtMillis();
    distribute();
    return this;
  }

  /** A peer offers leases: its free slots go to the first of the tasks waiting here. */
  private Behavior<Command> onOffer(Offer offer) {
    List<Long> taken = new ArrayList<>();
    List<ActorRef<TaskCommand>> tasks = new ArrayList<>();
    for (Long lease : offer.leases()) {
      Waiter next = queue.pollFirst();
      if (next == null) break;
      waiting.remove(next.task());
      unwatchIfUnused(next.task());
      next.task().tell(new TaskCommand.NodeSlotGranted(offer.host(), lease));
      taken.add(lease);
      tasks.add(next.task());
    }
    offer.host().tell(new OfferTaken(getContext().getSelf(), offer.leases(), taken, tasks));
    statusChanged();
    return this;
  }

  private Behavior<Command> onOfferTaken(OfferTaken reply) {
    Map<Long, ActorRef<TaskCommand>> byLease = new HashMap<>();
    for (int i = 0; i < reply.leases().size(); i++) byLease.put(reply.leases().get(i), reply.tasks().get(i));
    boolean anyTaken = !byLease.isEmpty();
    if (!reply.offered().isEmpty()) timers.cancel(offerTimerKey(reply.offered().get(0)));
    for (Long id : reply.offered()) {
      Lease lease = leases.get(id);
      ActorRef<TaskCommand> task = byLease.get(id);
      if (lease == null) {
        // The answer came after the offer timed out (or the peer was unlisted for a while). The
        // task that took it gets the slot back if one is free; else this node refuses its attempt
        // (RunAttempt on an unknown lease), and the task asks for a slot anew without counting.
        if (task != null && freeSlots() > 0) {
          leases.hold(leases.open(id), task);
          watch(task);
        }
        continue;
      }
      lease.offeredTo = null;
      if (task == null) {
        leases.close(lease);
      } else {
        leases.hold(lease, task);
        watch(task);
      }
    }
    PeerView view = peers.get(reply.peer());
    if (!anyTaken && view != null) view.waiting = 0; // nobody waits there now: believe it until it says otherwise
    distribute();
    checkDrained();
    return this;
  }

  /** A peer did not answer an offer in time: the slots it has not taken are free again. */
  private Behavior<Command> onOfferTimedOut(OfferTimedOut timedOut) {
    Set<Long> ids = Set.copyOf(timedOut.leases());
    int dropped = dropOffers(lease -> ids.contains(lease.id));
    if (dropped > 0) {
      getContext().getLog().info("{} slots offered to {} got no answer within {} ms: free again", dropped,
          timedOut.peer().path().address(), settings.offerTimeout().toMillis());
      distribute();
    }
    return this;
  }

  /** Drops the leases still offered to a peer (not taken yet) that match; returns how many. */
  private int dropOffers(Predicate<Lease> which) {
    int dropped = 0;
    var it = leases.all().iterator();
    while (it.hasNext()) {
      Lease lease = it.next();
      if (lease.task == null && lease.offeredTo != null && which.test(lease)) {
        it.remove();
        dropped++;
      }
    }
    return dropped;
  }

  private static String offerTimerKey(long firstLease) {
    return "offer-" + firstLease;
  }

  /**
   * Gives every free slot to whichever task waits first: this node's first waiter, or the first
   * waiter of the peer whose first waiter comes before it (as a lease offered to that peer).
   */
  private void distribute() {
    Map<ActorRef<Command>, List<Long>> offers = new HashMap<>();
    while (freeSlots() > 0) {
      Waiter local = queue.isEmpty() ? null : queue.first();
      Map.Entry<ActorRef<Command>, PeerView> peer = firstWaitingPeer();
      if (local != null && (peer == null || !comesBefore(peer.getValue(), local))) {
        grantHere(queue.pollFirst());
        continue;
      }
      if (peer == null) break;
      Lease lease = newLease();
      lease.offeredTo = peer.getKey();
      offers.computeIfAbsent(peer.getKey(), p -> new ArrayList<>()).add(lease.id);
      peer.getValue().waiting--; // until it tells again, count the offer as taken
    }
    offers.forEach((peer, ids) -> {
      List<Long> offered = List.copyOf(ids);
      peer.tell(new Offer(getContext().getSelf(), offered));
      timers.startSingleTimer(offerTimerKey(offered.get(0)), new OfferTimedOut(peer, offered), settings.offerTimeout());
    });
    statusChanged();
  }

  private void grantHere(Waiter waiter) {
    waiting.remove(waiter.task());
    Lease lease = newLease();
    leases.hold(lease, waiter.task());
    waiter.task().tell(new TaskCommand.NodeSlotGranted(getContext().getSelf(), lease.id));
  }

  private Lease newLease() {
    return leases.open(nextLease++);
  }

  private int freeSlots() {
    return draining ? 0 : maxRunning - leases.size();
  }

  private Map.Entry<ActorRef<Command>, PeerView> firstWaitingPeer() {
    Map.Entry<ActorRef<Command>, PeerView> best = null;
    for (var entry : peers.entrySet()) {
      PeerView view = entry.getValue();
      if (view.waiting <= 0) continue;
      if (best == null || before(view, best.getValue())) best = entry;
    }
    return best;
  }

  private static boolean before(PeerView a, PeerView b) {
    if (a.topPriority != b.topPriority) return a.topPriority > b.topPriority;
    return a.topCreatedAtMillis < b.topCreatedAtMillis;
  }

  /** Whether the peer's first waiter comes strictly before ours (ours wins ties: no hop). */
  private static boolean comesBefore(PeerView peer, Waiter local) {
    if (peer.topPriority != local.priority()) return peer.topPriority > local.priority();
    return peer.topCreatedAtMillis < local.createdAtMillis();
  }

  private void statusChanged() {
    metrics.nodeLoad(running(), queue.size());
    if (peers.isEmpty()) return;
    if (timers.isTimerActive("throttle")) {
      statusDirty = true;
    } else {
      sendStatus(false);
    }
  }

  private void sendStatus(boolean always) {
    if (peers.isEmpty()) return;
    Waiter top = queue.isEmpty() ? null : queue.first();
    var status = new PeerStatus(getContext().getSelf(), queue.size(),
        top == null ? 0 : top.priority(), top == null ? 0 : top.createdAtMillis());
    statusDirty = false;
    if (!always && status.equals(lastStatusSent)) return;
    lastStatusSent = status;
    peers.keySet().forEach(peer -> peer.tell(status));
    timers.startSingleTimer("throttle", new ThrottleOver(), STATUS_THROTTLE);
  }

  // ---- draining

  private Behavior<Command> onDrain(Drain drain) {
    drain.replyTo().tell(load());
    getContext().getLog().info("Draining this node at an operator's request: it starts no more attempts, "
        + "gives the running ones {} s, then leaves the cluster", settings.drainTimeout().toSeconds());
    CoordinatedShutdown.get(getContext().getSystem()).runAll(DrainReason.INSTANCE);
    return this;
  }

  private Behavior<Command> onStartDraining(StartDraining start) {
    if (!draining) {
      draining = true;
      timers.startSingleTimer("drain", new DrainTimeUp(), start.timeout());
      sendStatus(true);
    }
    drainWaiters.add(start.replyTo());
    checkDrained();
    return this;
  }

  private void checkDrained() {
    if (!draining || drainWaiters.isEmpty() || running() > 0) return;
    timers.cancel("drain");
    drainWaiters.forEach(waiter -> waiter.tell(new Drained(0)));
    drainWaiters.clear();
  }

  /** Attempts run here for tasks hosted elsewhere go back to them, to run on another node. */
  private Behavior<Command> onDrainTimeUp() {
    int handedBack = 0;
    for (Lease lease : leases.all()) {
      if (lease.runner != null) {
        lease.runner.tell(new TaskRunner.HandBack());
        handedBack++;
      }
    }
    // This node's own tasks are handed off with their shards after this phase; they stop their
    // attempts then, which re-run elsewhere without counting.
    drainWaiters.forEach(waiter -> waiter.tell(new Drained(0)));
    drainWaiters.clear();
    getContext().getLog().info("Drain time is up: {} attempts of other nodes' tasks handed back", handedBack);
    return this;
  }

  // ---- bookkeeping

  private int running() {
    return leases.held();
  }

  private Load load() {
    return new Load(address, running(), queue.size(), maxRunning, draining);
  }

  private void endLease(Lease lease) {
    leases.close(lease);
    if (lease.runner != null) lease.runner.tell(new TaskRunner.Cancel());
    if (lease.task != null) unwatchIfUnused(lease.task);
    if (lease.link != null) unwatchIfUnused(lease.link);
    checkDrained();
  }

  private void removeWaiter(ActorRef<TaskCommand> task) {
    Waiter waiter = waiting.remove(task);
    if (waiter != null) queue.remove(waiter);
    unwatchIfUnused(task);
  }

  private void watch(ActorRef<?> ref) {
    if (watched.add(ref)) getContext().watchWith(ref, new Stopped(ref));
  }

  private void unwatchIfUnused(ActorRef<?> ref) {
    if (waiting.containsKey(ref) || !leases.of(ref).isEmpty()) return;
    if (watched.remove(ref)) getContext().unwatch(ref);
  }

}
