package io.taskforce.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.taskforce.TaskforceConfig;
import io.taskforce.TaskforceSettings;
import io.taskforce.api.NodeLoad;
import io.taskforce.api.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import io.taskforce.internal.feed.FeedReader;
import io.taskforce.internal.feed.FeedTopics;
import io.taskforce.internal.metrics.TaskforceMetrics;
import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.readmodel.ReadModel;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.session.SessionEntity;
import io.taskforce.internal.session.TaskWaker;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskEntity;
import io.taskforce.spi.ExecutorRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taskforce on one node: the tables, the two sharded entity types, this node's slots and feed
 * topics, the read model. Started once per ActorSystem.
 */
public final class TaskforceNode {
  private static final Logger log = LoggerFactory.getLogger(TaskforceNode.class);
  private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(2);

  private final ActorSystem<?> system;
  private final TaskforceSettings settings;
  private final ExecutorRegistry executors;
  private final ClusterSharding sharding;
  private final FeedReader feedReader;
  private final ReadModel readModel;
  private final Clock clock;
  private final TaskforceMetrics metrics;

  private TaskforceNode(ActorSystem<?> system, TaskforceSettings settings, ExecutorRegistry executors,
      ClusterSharding sharding, FeedReader feedReader, ReadModel readModel, Clock clock, TaskforceMetrics metrics) {
    this.metrics = metrics;
    this.system = system;
    this.settings = settings;
    this.executors = executors;
    this.sharding = sharding;
    this.feedReader = feedReader;
    this.readModel = readModel;
    this.clock = clock;
  }

  /** An ActorSystem of Taskforce's own: a cluster of one unless seed nodes are configured. */
  public static ActorSystem<?> ownSystem(Config config) {
    // Taskforce runs on a cluster (of one, unless seed nodes say otherwise); a random remote port
    // unless one is given keeps two embedded processes on one machine apart.
    Config own = ConfigFactory.parseString("pekko.actor.provider = cluster\npekko.remote.artery.canonical.port = 0");
    Config stack = (config == null ? ConfigFactory.empty() : config)
        .withFallback(ConfigFactory.defaultApplication())
        .withFallback(own);
    Config full = TaskforceConfig.derive(ConfigFactory.load(stack));
    return ActorSystem.create(Behaviors.empty(), full.getString("taskforce.system-name"), full);
  }

  public static CompletionStage<TaskforceNode> start(
      ActorSystem<?> system, ExecutorRegistry executors, TaskforceMetrics metrics) {
    Config config = system.settings().config();
    if (!"cluster".equals(config.getString("pekko.actor.provider"))) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "Taskforce needs pekko.actor.provider = cluster in the ActorSystem's configuration "
              + "(a single node joins itself); it is '" + config.getString("pekko.actor.provider") + "'"));
    }
    if (!TaskforceConfig.isDerived(config)) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "Taskforce's database settings are missing from the ActorSystem's configuration: make it with "
              + "TaskforceConfig.load() or TaskforceConfig.derive(yourConfig)"));
    }
    TaskforceSettings settings = TaskforceSettings.from(config);
    try {
      Files.createDirectories(settings.dataDir());
      DataDirLock.acquire(settings.dataDir());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException("cannot create the data directory", e));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    system.getWhenTerminated().thenRun(() -> DataDirLock.release(settings.dataDir()));
    joinSelfIfAlone(system, config);
    return SchemaUtils.createIfNotExists(settings.journalPluginId(), system)
        .thenCompose(done -> ReadModel.start(system))
        .thenApply(readModel -> {
          TaskforceNode node = startEntities(system, settings, executors, readModel, metrics);
          log.info("Taskforce started: journal {}, data dir {}, {} attempts at once on this node, executors {}",
              config.getString("taskforce.persistence.db.url").replaceAll(";.*", ""),
              settings.dataDir().toAbsolutePath().normalize(), settings.maxRunning(), executors.names());
          return node;
        });
  }

  private static void joinSelfIfAlone(ActorSystem<?> system, Config config) {
    Cluster cluster = Cluster.get(system);
    boolean hasSeeds = !config.getStringList("pekko.cluster.seed-nodes").isEmpty();
    if (!hasSeeds && config.getBoolean("taskforce.cluster.join-self-without-seeds")
        && cluster.selfMember().status() == org.apache.pekko.cluster.MemberStatus.removed()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  private static TaskforceNode startEntities(
      ActorSystem<?> system, TaskforceSettings settings, ExecutorRegistry executors, ReadModel readModel,
      TaskforceMetrics metrics) {
    // Milliseconds: the API's timestamps are ISO-8601 with millisecond precision.
    Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofMillis(1));
    ThreadPoolExecutor blocking = blockingPool(settings.blockingThreads());
    String address = Cluster.get(system).selfMember().address().toString();
    ActorRef<NodeSlots.Command> slots = system.systemActorOf(
        NodeSlots.create(settings, address, new NodeSlots.RunnerSupport(executors, blocking, clock), metrics),
        "taskforce-node-slots", Props.empty());
    drainOnShutdown(system, settings, slots);
    ActorRef<FeedTopics.Command> topics =
        system.systemActorOf(FeedTopics.create(), "taskforce-feed-topics", Props.empty());
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "taskforce-blocking-pool", () -> {
          blocking.shutdownNow();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    ClusterSharding sharding = ClusterSharding.get(system);
    EntityRefs entities = EntityRefs.of(sharding);
    ActorRef<TaskWaker.Command> waker = system.systemActorOf(
        TaskWaker.create(entities, settings.nodeWakeWindow(), settings.nodeWakeAnswerTimeout()),
        "taskforce-task-waker", Props.empty());
    TaskforceRuntime runtime =
        new TaskforceRuntime(settings, executors, slots, topics, entities, waker, blocking, clock, metrics);
    Config shardingConfig = system.settings().config().getConfig("pekko.cluster.sharding");
    Config tfSharding = system.settings().config().getConfig("taskforce.sharding");

    sharding.init(
        Entity.of(SessionEntity.TYPE_KEY, ctx -> SessionEntity.create(ctx.getEntityId(), ctx.getShard(), runtime))
            .withStopMessage(new SessionCommand.HandOff())
            .withSettings(ClusterShardingSettings.fromConfig(
                    shardingSection(tfSharding, "session", settings).withFallback(shardingConfig))
                .withRememberEntities(true)
                .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())
                .withJournalPluginId(settings.journalPluginId())
                .withSnapshotPluginId(settings.snapshotPluginId())
                .withNoPassivationStrategy()));
    sharding.init(
        Entity.of(TaskEntity.TYPE_KEY, ctx -> TaskEntity.create(ctx.getEntityId(), ctx.getShard(), runtime))
            .withStopMessage(new TaskCommand.HandOff())
            // Not remembered: sessions wake their tasks (WakeOnNodeRemoval tells them when), a task
            // handed off wakes itself, and PendingTaskSweep wakes the tasks no session knows of yet.
            // So a task costs no remember-entities writes, and a shard of tasks does not stop with
            // all its entities when a write of its store fails (a database outage).
            .withSettings(ClusterShardingSettings.fromConfig(shardingSection(tfSharding, "task", settings).withFallback(shardingConfig))
                .withRememberEntities(false)
                .withJournalPluginId(settings.journalPluginId())
                .withSnapshotPluginId(settings.snapshotPluginId())
                .withNoPassivationStrategy()));
    ShardedDaemonProcess.get(system).init(
        PendingTaskSweep.Command.class,
        "taskforce-pending-task-sweep",
        1,
        i -> PendingTaskSweep.create(readModel, runtime.entities(),
            system.settings().config().getDuration("taskforce.task.pending-sweep-interval")),
        ShardedDaemonProcessSettings.create(system),
        java.util.Optional.empty());

    system.systemActorOf(WakeOnNodeRemoval.create(sharding.shardState(), runtime.entities(),
        settings.sessionRetellInterval()), "taskforce-wake-on-node-removal", Props.empty());

    FeedReader feedReader = new FeedReader(system, topics, settings.queryPluginId(), Duration.ofSeconds(3));
    return new TaskforceNode(system, settings, executors, sharding, feedReader, readModel, clock, metrics);
  }

  /**
   * Before the node stops serving (SIGTERM, an operator's drain, the host's shutdown), it drains:
   * no more attempts start here, and the running ones get the drain time to finish. What still
   * runs after that is handed off with the shards (or back to its task's node) and re-runs
   * elsewhere without counting as an attempt.
   */
  private static void drainOnShutdown(ActorSystem<?> system, TaskforceSettings settings,
      ActorRef<NodeSlots.Command> slots) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration phase = Duration.ofMillis(shutdown.timeout(CoordinatedShutdown.PhaseBeforeServiceUnbind()).toMillis());
    Duration margin = Duration.ofSeconds(2);
    Duration drain = settings.drainTimeout();
    if (drain.plus(margin).compareTo(phase) > 0) {
      log.warn("The drain time ({} s) does not fit the shutdown phase before-service-unbind ({} s): the node "
          + "drains for {} s only; raise pekko.coordinated-shutdown.phases.before-service-unbind.timeout",
          drain.toSeconds(), phase.toSeconds(), phase.minus(margin).toSeconds());
      drain = phase.minus(margin).isNegative() ? Duration.ZERO : phase.minus(margin);
    }
    Duration drainTime = drain;
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "taskforce-drain", () -> {
      // A downed node must stop at once: its shards start elsewhere after down-removal-margin, and
      // two live copies of an entity would both write its journal.
      boolean downed = shutdown.getShutdownReason()
          .map(reason -> reason.equals(CoordinatedShutdown.clusterDowningReason()))
          .orElse(false);
      Duration time = downed ? Duration.ZERO : drainTime;
      return AskPattern.<NodeSlots.Command, NodeSlots.Drained>ask(slots,
              replyTo -> new NodeSlots.StartDraining(time, replyTo), time.plus(margin), system.scheduler())
          .handle((drained, failure) -> Done.getInstance());
    });
  }

  private static Config shardingSection(Config tfSharding, String type, TaskforceSettings settings) {
    return tfSharding.getConfig(type).withValue("number-of-shards",
        com.typesafe.config.ConfigValueFactory.fromAnyRef(settings.numberOfShards()));
  }

  private static ThreadPoolExecutor blockingPool(int threads) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), runnable -> {
          Thread thread = new Thread(runnable, "taskforce-blocking-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  public ActorSystem<?> system() {
    return system;
  }

  public TaskforceSettings settings() {
    return settings;
  }

  public ExecutorRegistry executors() {
    return executors;
  }

  public ClusterSharding sharding() {
    return sharding;
  }

  public FeedReader feedReader() {
    return feedReader;
  }

  public ReadModel readModel() {
    return readModel;
  }

  public Clock clock() {
    return clock;
  }

  /** Every slot keeper the Receptionist knows, asked for its load; one that does not answer is left out. */
  public CompletionStage<List<NodeLoad>> nodes() {
    return slotKeepers().thenCompose(keepers -> {
      List<CompletableFuture<NodeLoad>> loads = new ArrayList<>();
      for (ActorRef<NodeSlots.Command> keeper : keepers) {
        // A node that just left may still be listed: it must not hold up the answer for long.
        loads.add(AskPattern.<NodeSlots.Command, NodeSlots.Load>ask(keeper, NodeSlots.GetLoad::new,
                LOAD_TIMEOUT, system.scheduler())
            .thenApply(TaskforceNode::toNodeLoad)
            .exceptionally(failure -> null)
            .toCompletableFuture());
      }
      String self = Cluster.get(system).selfMember().address().toString();
      return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).thenApply(done -> loads.stream()
          .map(CompletableFuture::join)
          .filter(java.util.Objects::nonNull)
          .sorted(java.util.Comparator.comparing((NodeLoad load) -> !load.address().equals(self))
              .thenComparing(NodeLoad::address))
          .toList());
    });
  }

  /** Tells the node at {@code address} to drain and leave; answers its load as it began. */
  public CompletionStage<NodeLoad> drainNode(String address) {
    return nodes().thenCompose(loads -> {
      boolean known = loads.stream().anyMatch(load -> load.address().equals(address));
      if (!known) {
        return CompletableFuture.failedFuture(new NotFoundException("no node at " + address));
      }
      return slotKeepers().thenCompose(keepers -> {
        for (ActorRef<NodeSlots.Command> keeper : keepers) {
          if (keeperAddress(keeper).equals(address)) {
            return AskPattern.<NodeSlots.Command, NodeSlots.Load>ask(keeper, NodeSlots.Drain::new,
                settings.askTimeout(), system.scheduler()).thenApply(TaskforceNode::toNodeLoad);
          }
        }
        return CompletableFuture.failedFuture(new NotFoundException("no node at " + address));
      });
    });
  }

  private CompletionStage<Set<ActorRef<NodeSlots.Command>>> slotKeepers() {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            replyTo -> Receptionist.find(NodeSlots.KEY, replyTo), settings.askTimeout(), system.scheduler())
        .thenApply(listing -> listing.getServiceInstances(NodeSlots.KEY));
  }

  private String keeperAddress(ActorRef<?> keeper) {
    var address = keeper.path().address();
    return address.hasGlobalScope() ? address.toString() : Cluster.get(system).selfMember().address().toString();
  }

  private static NodeLoad toNodeLoad(NodeSlots.Load load) {
    return new NodeLoad(load.address(), load.running(), load.queued(), load.maxRunning(), load.draining());
  }

  public TaskforceMetrics metrics() {
    return metrics;
  }
}
