package io.taskforce;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskforce.internal.metrics.TaskforceMetrics;
import com.typesafe.config.Config;
import io.taskforce.api.ConflictException;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.ForbiddenException;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.OutputChunk;
import io.taskforce.api.Page;
import io.taskforce.api.QueueFullException;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.SessionView;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskView;
import io.taskforce.api.UnavailableException;
import io.taskforce.internal.EntityIds;
import io.taskforce.internal.TaskforceNode;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.session.SessionEntity;
import io.taskforce.internal.session.SessionInfo;
import io.taskforce.internal.session.SessionReply;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskEntity;
import io.taskforce.internal.task.TaskReply;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.spi.InvalidInputException;
import io.taskforce.spi.TaskExecutor;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The one entry point to Taskforce, for host applications and for the HTTP, MCP and CLI layers
 * alike. Every method returns at once: a {@link CompletionStage} of an API record, failed with a
 * {@link io.taskforce.api.TaskforceException} subclass when refused. The {@code tenant} parameter
 * scopes every id; an embedding application with one tenant uses {@link #defaultTenant()}.
 *
 * <pre>{@code
 * Taskforce tf = Taskforce.builder(system)
 *     .executor("review", TaskExecutor.blocking(ctx -> { ...; return result; }))
 *     .start().toCompletableFuture().join();
 * TaskView task = tf.dispatch(tf.defaultTenant(), "s-1", TaskSpec.of("review", input)).toCompletableFuture().join().task();
 * }</pre>
 */
public final class Taskforce {

  /** The answer of a dispatch: the task, and whether it existed already (a repeated dispatch). */
  public record Dispatched(TaskView task, boolean repeated) {}

  /** A running plain-listener subscription to a session's feed. */
  public interface FeedSubscription extends AutoCloseable {
    @Override
    void close();

    /** Completes when the subscription ends (closed, or failed: then resubscribe after the last seq). */
    CompletionStage<org.apache.pekko.Done> done();
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_OUTPUT_CHUNK = 256 * 1024;

  private final TaskforceNode node;
  private final TaskforceSettings settings;

  private Taskforce(TaskforceNode node) {
    this.node = node;
    this.settings = node.settings();
    node.metrics().watchTaskCounts(node.system(), node.readModel()::countTasksByStatus);
  }

  /** Taskforce on a host's ActorSystem, which must run {@code pekko.actor.provider = cluster}. */
  public static Builder builder(ActorSystem<?> system) {
    return new Builder(system, null);
  }

  /** Taskforce on an ActorSystem of its own, made from {@code config} (with Taskforce's defaults). */
  public static Builder builder(Config config) {
    return new Builder(null, config);
  }

  /** Registers executors, then starts Taskforce on this node. */
  public static final class Builder {
    private final ActorSystem<?> system;
    private final Config config;
    private final ExecutorRegistry executors = new ExecutorRegistry();
    private MeterRegistry meterRegistry = new SimpleMeterRegistry();

    private Builder(ActorSystem<?> system, Config config) {
      this.system = system;
      this.config = config;
    }

    public Builder executor(String name, TaskExecutor executor) {
      executors.register(name, executor);
      return this;
    }

    public Builder executors(ExecutorRegistry registry) {
      registry.names().forEach(name -> executors.register(name, registry.find(name).orElseThrow()));
      return this;
    }

    /** Where this node's metrics go (the server binds a Prometheus registry); else kept in memory. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = java.util.Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Creates the tables if missing, starts the entities and the read model on this node. */
    public CompletionStage<Taskforce> start() {
      ActorSystem<?> target = system != null ? system : TaskforceNode.ownSystem(config);
      return TaskforceNode.start(target, executors, new TaskforceMetrics(meterRegistry)).thenApply(Taskforce::new);
    }
  }

  public ActorSystem<?> system() {
    return node.system();
  }

  public TaskforceSettings settings() {
    return settings;
  }

  public String defaultTenant() {
    return settings.defaultTenant();
  }

  /** Every cluster node's slots (running, queued, limit, draining), this node's first. */
  public CompletionStage<List<io.taskforce.api.NodeLoad>> nodes() {
    return node.nodes();
  }

  /**
   * Drains the node at {@code address} (as {@link #nodes()} names it): it starts no more attempts
   * (its waiting tasks are run by other nodes), gives the running ones up to {@code
   * taskforce.node.drain-seconds} to finish, hands the rest over to re-run elsewhere without
   * counting as an attempt, and leaves the cluster. Answers the node's load when it began; fails
   * with {@link io.taskforce.api.NotFoundException} when no node has that address.
   */
  public CompletionStage<io.taskforce.api.NodeLoad> drainNode(String address) {
    return node.drainNode(address);
  }

  /** The names of the executors this node runs. */
  public List<String> executorNames() {
    return node.executors().names().stream().sorted().toList();
  }

  // ---- sessions

  public CompletionStage<SessionView> createSession(String tenant, SessionSpec spec) {
    return guarded(() -> {
      checkTenant(tenant);
      String id = spec.id() != null ? spec.id() : newId("s-");
      SessionInfo info = sessionInfo(tenant, id, spec);
      return askSession(tenant, id, r -> new SessionCommand.Create(info, r)).thenApply(this::sessionView);
    });
  }

  public CompletionStage<SessionView> session(String tenant, String sessionId) {
    return guarded(() -> askSession(tenant, checkId("sessionId", sessionId), SessionCommand.Get::new)
        .thenApply(this::sessionView));
  }

  /** Closes a session: its unfinished tasks are cancelled, new dispatches refused. */
  public CompletionStage<SessionView> closeSession(String tenant, String sessionId) {
    return guarded(() -> askSession(tenant, checkId("sessionId", sessionId), SessionCommand.Close::new)
        .thenApply(this::sessionView));
  }

  /** Records that the session's consumer handled every feed event up to {@code upTo}. */
  public CompletionStage<SessionView> ack(String tenant, String sessionId, long upTo) {
    return guarded(() -> {
      if (upTo < 0) throw new InvalidRequestException("upTo", "upTo must not be negative");
      return askSession(tenant, checkId("sessionId", sessionId), r -> new SessionCommand.Ack(upTo, r))
          .thenApply(this::sessionView);
    });
  }

  /** The tenant's sessions, newest first (from the read model: may lag by about a second). */
  public CompletionStage<Page<SessionView>> sessions(String tenant, int limit, String cursor) {
    return guarded(() -> {
      checkTenant(tenant);
      int bounded = limit <= 0 ? TaskFilter.DEFAULT_LIMIT : limit;
      if (bounded > TaskFilter.MAX_LIMIT) {
        throw new InvalidRequestException("limit", "limit must be within 1.." + TaskFilter.MAX_LIMIT);
      }
      return node.readModel().listSessions(tenant, bounded, cursor);
    });
  }

  // ---- tasks

  /**
   * Dispatches a task: answers once the task is durably stored and its session knows it, before it
   * runs. The session is created (with defaults) if it does not exist.
   */
  public CompletionStage<Dispatched> dispatch(String tenant, String sessionId, TaskSpec spec) {
    long arrived = System.nanoTime();
    return guarded(() -> {
      checkTenant(tenant);
      checkId("sessionId", sessionId);
      TaskExecutor executor = node.executors().find(spec.executor()).orElseThrow(() ->
          new InvalidRequestException("executor", "unknown executor '" + spec.executor() + "' (known: "
              + String.join(", ", executorNames()) + ")"));
      if (!executor.permits(tenant, spec.input())) {
        throw new ForbiddenException("tenant " + tenant + " may not use the executor '" + spec.executor() + "'");
      }
      try {
        executor.validate(spec.input());
      } catch (InvalidInputException e) {
        String field = e.field() == null ? "input" : "input." + e.field();
        throw new InvalidRequestException(field, e.getMessage());
      }
      String taskId = spec.id() != null ? spec.id() : newId("t-");
      SessionInfo defaults = sessionInfo(tenant, sessionId, new SessionSpec(sessionId, null, null, null));
      TaskData data = new TaskData(tenant, taskId, sessionId, spec, node.clock().instant());
      CompletionStage<TaskReply> created;
      if (spec.id() == null) {
        created = createThroughSession(tenant, sessionId, defaults, data);
      } else {
        // A repeat (a client retrying after a 503, say) is answered by the task it names, whatever
        // its session's queue or state is now: exactly once, as API.md promises.
        created = askTask(tenant, taskId, TaskCommand.Get::new).thenCompose(existing ->
            existing instanceof TaskReply.View
                ? askTask(tenant, taskId, r -> new TaskCommand.Create(data, r))
                : createThroughSession(tenant, sessionId, defaults, data));
      }
      return created.thenApply(reply -> {
        var view = (TaskReply.View) requireView(reply);
        node.metrics().dispatched(Duration.ofNanos(System.nanoTime() - arrived));
        return new Dispatched(view.task(), view.repeated());
      });
    });
  }

  /** The session admits the dispatch (creating itself if needed), then the task is created. */
  private CompletionStage<TaskReply> createThroughSession(String tenant, String sessionId, SessionInfo defaults,
      TaskData data) {
    return askSession(tenant, sessionId, r -> new SessionCommand.PrepareDispatch(defaults, r))
        .thenCompose(prepared -> {
          sessionView(prepared);
          return askTask(tenant, data.taskId(), r -> new TaskCommand.Create(data, r));
        });
  }

  /** The task as it is now (always current: from its entity, not the read model). */
  public CompletionStage<TaskView> task(String tenant, String taskId) {
    return guarded(() -> askTask(tenant, checkId("taskId", taskId), TaskCommand.Get::new).thenApply(this::taskView));
  }

  /** Waits up to {@code wait} for the task to finish, then answers it as it is (finished or not). */
  public CompletionStage<TaskView> awaitResult(String tenant, String taskId, Duration wait) {
    if (wait == null || wait.isZero() || wait.isNegative()) return task(tenant, taskId);
    return guarded(() -> {
      checkTenant(tenant);
      checkId("taskId", taskId);
      EntityRef<TaskCommand> ref = taskRef(tenant, taskId);
      return ref.<TaskReply>ask(TaskCommand.AwaitFinished::new, wait)
          .thenApply(this::taskView)
          .exceptionallyCompose(failure -> unwrap(failure) instanceof TimeoutException
              ? task(tenant, taskId)
              : CompletableFuture.failedFuture(unwrap(failure)));
    });
  }

  /** The task's captured output from byte {@code offset} (a bounded tail is kept). */
  public CompletionStage<OutputChunk> output(String tenant, String taskId, long offset) {
    return guarded(() -> {
      if (offset < 0) throw new InvalidRequestException("offset", "offset must not be negative");
      return askTask(tenant, checkId("taskId", taskId), r -> new TaskCommand.GetOutput(offset, MAX_OUTPUT_CHUNK, r))
          .thenApply(reply -> ((TaskReply.Output) requireOutput(reply)).chunk());
    });
  }

  /**
   * A session's tasks ({@code sessionId} given) or all the tenant's tasks ({@code null}), newest
   * first, from the read model (may lag by about a second).
   */
  public CompletionStage<Page<TaskView>> list(String tenant, String sessionId, TaskFilter filter) {
    return guarded(() -> {
      checkTenant(tenant);
      TaskFilter effective = filter == null ? TaskFilter.all() : filter;
      if (sessionId == null) return node.readModel().listTasks(tenant, null, effective);
      return session(tenant, sessionId).thenCompose(s -> node.readModel().listTasks(tenant, sessionId, effective));
    });
  }

  /**
   * For operators: the tasks of every tenant, newest first, by the filter's statuses, in pages,
   * each with its tenant (from the read model: may lag by about a second). Never expose this to a
   * tenant.
   */
  public CompletionStage<Page<io.taskforce.api.TenantTask>> listAllTasks(TaskFilter filter) {
    return guarded(() -> node.readModel().listAllTasks(filter == null ? TaskFilter.all() : filter));
  }

  /**
   * Whether the journal's database answers a trivial query within {@code timeout}: completes when
   * it does, fails with {@link UnavailableException} saying why when it does not. For readiness
   * checks.
   */
  public CompletionStage<org.apache.pekko.Done> checkDatabase(Duration timeout) {
    return guarded(() -> node.readModel().checkReachable(timeout));
  }

  public CompletionStage<TaskView> pause(String tenant, String taskId) {
    return taskCommand(tenant, taskId, TaskCommand.Pause::new);
  }

  public CompletionStage<TaskView> resume(String tenant, String taskId) {
    return taskCommand(tenant, taskId, TaskCommand.Resume::new);
  }

  public CompletionStage<TaskView> cancel(String tenant, String taskId) {
    return taskCommand(tenant, taskId, r -> new TaskCommand.Cancel("cancelled by request", r));
  }

  /** Answers the question of an {@code input_required} task; it runs again. */
  public CompletionStage<TaskView> answer(String tenant, String taskId, String text) {
    return guarded(() -> {
      if (text == null) throw new InvalidRequestException("text", "text is required");
      return taskCommand(tenant, taskId, r -> new TaskCommand.Answer(text, r));
    });
  }

  // ---- the feed

  /**
   * The session's feed after {@code afterSeq}: every durable event after it (replayed from the
   * journal), then live ones, progress included, with no gap and no duplicate. It never completes
   * by itself; cancel it to unsubscribe. It fails if the consumer falls more than 10,000 events
   * behind; then subscribe again after the last seq seen.
   */
  public Source<FeedEvent, NotUsed> events(String tenant, String sessionId, long afterSeq) {
    checkTenant(tenant);
    checkId("sessionId", sessionId);
    if (afterSeq < 0) throw new InvalidRequestException("after", "after must not be negative");
    return node.feedReader().subscribe(EntityIds.of(tenant, sessionId), afterSeq, after -> locateFeed(tenant, sessionId, after));
  }

  /** {@link #events} delivered to a plain listener, on a Pekko thread, one event at a time. */
  public FeedSubscription subscribe(String tenant, String sessionId, long afterSeq, Consumer<FeedEvent> listener) {
    var running = events(tenant, sessionId, afterSeq)
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(listener::accept), Keep.both())
        .run(node.system());
    UniqueKillSwitch killSwitch = running.first();
    CompletionStage<org.apache.pekko.Done> done = running.second();
    return new FeedSubscription() {
      @Override
      public void close() {
        killSwitch.shutdown();
      }

      @Override
      public CompletionStage<org.apache.pekko.Done> done() {
        return done;
      }
    };
  }

  /** The durable feed events after {@code afterSeq} that exist now, at most {@code max}. */
  public CompletionStage<List<FeedEvent>> readFeed(String tenant, String sessionId, long afterSeq, int max) {
    return guarded(() -> {
      if (afterSeq < 0) throw new InvalidRequestException("after", "after must not be negative");
      return locateFeed(tenant, checkId("sessionId", sessionId), afterSeq)
          .thenCompose(position -> node.feedReader().read(position, afterSeq, Math.max(1, max)));
    });
  }

  /**
   * A long poll: the durable events after {@code afterSeq}; when there are none yet, waits up to
   * {@code wait} for the first one.
   */
  public CompletionStage<List<FeedEvent>> pollFeed(String tenant, String sessionId, long afterSeq, int max, Duration wait) {
    return readFeed(tenant, sessionId, afterSeq, max).thenCompose(events -> {
      if (!events.isEmpty() || wait == null || wait.isZero() || wait.isNegative()) {
        return CompletableFuture.completedFuture(events);
      }
      return events(tenant, sessionId, afterSeq)
          .filter(FeedEvent::durable)
          .take(1)
          .completionTimeout(wait)
          .runWith(Sink.seq(), node.system())
          .exceptionally(timeout -> List.of())
          .thenCompose(first -> first.isEmpty()
              ? CompletableFuture.completedFuture(first)
              : readFeed(tenant, sessionId, afterSeq, max));
    });
  }

  private CompletionStage<SessionReply.FeedPosition> locateFeed(String tenant, String sessionId, long afterSeq) {
    return askSession(tenant, sessionId, r -> new SessionCommand.LocateFeed(afterSeq, r))
        .thenApply(reply -> {
          if (reply instanceof SessionReply.FeedPosition position) return position;
          sessionView(reply); // throws the refusal
          throw new IllegalStateException("unexpected reply " + reply);
        });
  }

  // ---- plumbing

  private CompletionStage<TaskView> taskCommand(
      String tenant, String taskId, Function<ActorRef<TaskReply>, TaskCommand> command) {
    return guarded(() -> askTask(tenant, checkId("taskId", taskId), command).thenApply(this::taskView));
  }

  private CompletionStage<TaskReply> askTask(
      String tenant, String taskId, Function<ActorRef<TaskReply>, TaskCommand> command) {
    checkTenant(tenant);
    return mapTimeout(taskRef(tenant, taskId).ask(command::apply, settings.askTimeout()));
  }

  private CompletionStage<SessionReply> askSession(
      String tenant, String sessionId, Function<ActorRef<SessionReply>, SessionCommand> command) {
    checkTenant(tenant);
    EntityRef<SessionCommand> ref =
        node.sharding().entityRefFor(SessionEntity.TYPE_KEY, EntityIds.of(tenant, sessionId));
    return mapTimeout(ref.ask(command::apply, settings.askTimeout()));
  }

  private EntityRef<TaskCommand> taskRef(String tenant, String taskId) {
    return node.sharding().entityRefFor(TaskEntity.TYPE_KEY, EntityIds.of(tenant, taskId));
  }

  private <T> CompletionStage<T> mapTimeout(CompletionStage<T> stage) {
    return stage.exceptionallyCompose(failure -> {
      Throwable cause = unwrap(failure);
      if (cause instanceof TimeoutException) {
        return CompletableFuture.failedFuture(new UnavailableException(
            "no answer within " + settings.askTimeout().toSeconds() + " s (is the journal reachable?)",
            Duration.ofSeconds(2), cause));
      }
      return CompletableFuture.failedFuture(cause);
    });
  }

  private TaskView taskView(TaskReply reply) {
    return ((TaskReply.View) requireView(reply)).task();
  }

  private TaskReply requireView(TaskReply reply) {
    if (reply instanceof TaskReply.Refused refused) throw refusal(refused.reason(), refused.message());
    if (!(reply instanceof TaskReply.View)) throw new IllegalStateException("unexpected reply " + reply);
    return reply;
  }

  private TaskReply requireOutput(TaskReply reply) {
    if (reply instanceof TaskReply.Refused refused) throw refusal(refused.reason(), refused.message());
    if (!(reply instanceof TaskReply.Output)) throw new IllegalStateException("unexpected reply " + reply);
    return reply;
  }

  private SessionView sessionView(SessionReply reply) {
    if (reply instanceof SessionReply.View view) return view.session();
    if (reply instanceof SessionReply.Refused refused) throw refusal(refused.reason(), refused.message());
    throw new IllegalStateException("unexpected reply " + reply);
  }

  private static RuntimeException refusal(io.taskforce.internal.Refusal reason, String message) {
    return switch (reason) {
      case NOT_FOUND -> new NotFoundException(message);
      case CONFLICT -> new ConflictException(message);
      case QUEUE_FULL -> new QueueFullException(message, Duration.ofSeconds(5));
    };
  }

  private SessionInfo sessionInfo(String tenant, String id, SessionSpec spec) {
    return new SessionInfo(
        tenant,
        id,
        spec.title() == null ? "" : spec.title(),
        spec.maxConcurrentTasks() == null ? settings.maxConcurrentTasks() : spec.maxConcurrentTasks(),
        settings.maxQueuedTasks(),
        spec.metadata(),
        node.clock().instant());
  }

  private static String checkId(String field, String id) {
    if (id == null || !TaskSpec.ID_PATTERN.matcher(id).matches()) {
      throw new InvalidRequestException(field, field + " must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
    }
    return id;
  }

  private static void checkTenant(String tenant) {
    if (tenant == null || !TaskSpec.ID_PATTERN.matcher(tenant).matches()) {
      throw new InvalidRequestException("tenant", "invalid tenant");
    }
  }

  /** Time-ordered, unguessable ids: a prefix, the time in base 36, then 64 random bits. */
  private static String newId(String prefix) {
    return prefix + Long.toString(System.currentTimeMillis(), 36)
        + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
  }

  /** Runs {@code body}, turning what it throws into a failed stage (the API never throws). */
  private static <T> CompletionStage<T> guarded(java.util.function.Supplier<CompletionStage<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
