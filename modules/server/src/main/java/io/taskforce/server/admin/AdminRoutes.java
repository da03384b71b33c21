package io.taskforce.server.admin;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractUri;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.taskforce.Taskforce;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskStatus;
import io.taskforce.http.HttpProblemException;
import io.taskforce.http.Json;
import io.taskforce.internal.session.SessionEntity;
import io.taskforce.internal.task.TaskEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' routes under {@code /admin} on the management port, behind the operator
 * credentials ({@link OperatorAccess}); not served at all without them. They speak to the running
 * node's facade (found through {@link AdminContext}; 503 until it is attached) and answer JSON, or
 * problems as the API does.
 *
 * <ul>
 *   <li>{@code GET /admin/tasks?status=&limit=&cursor=}: the tasks of every tenant, newest first.
 *   <li>{@code POST /admin/tasks/{tenant}/{taskId}/cancel}: cancels any tenant's task.
 *   <li>{@code GET /admin/nodes}: every node's attempt slots.
 *   <li>{@code POST /admin/nodes/{address}/drain}: drains a node (address URL-encoded).
 *   <li>{@code GET /admin/shards}: which node holds how many shards and entities of each type.
 * </ul>
 *
 * They change state (cancel, drain) whatever {@code pekko.management.http.route-providers-read-only}
 * says: the credentials are what guards them.
 */
public final class AdminRoutes implements ManagementRouteProvider {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
  /** How long the shard regions of the cluster are given to report. */
  static final Duration SHARD_STATS_TIMEOUT = Duration.ofSeconds(5);
  private static final List<EntityTypeKey<?>> ENTITY_TYPES = List.of(SessionEntity.TYPE_KEY, TaskEntity.TYPE_KEY);

  private final ExtendedActorSystem system;

  public AdminRoutes(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Optional<OperatorAccess> access = OperatorAccess.fromConfig(system.settings().config());
    if (access.isEmpty()) return Directives.reject();
    AdminContext context = AdminContext.get(system);
    return pathPrefix("admin", () -> access.get().guard(operator -> concat(
        path("tasks", () -> get(() -> extractUri(uri -> answer(context, tf -> listTasks(tf, uri.query()))))),
        path(segment("tasks").slash(segment()).slash(segment()).slash("cancel"), (tenant, taskId) ->
            post(() -> answer(context, tf -> cancel(tf, operator, tenant, taskId)))),
        path("nodes", () -> get(() -> answer(context, AdminRoutes::nodes))),
        path(segment("nodes").slash(segment()).slash("drain"), address ->
            post(() -> answer(context, tf -> drain(tf, operator, address)))),
        path("shards", () -> get(() -> answer(context, AdminRoutes::shards))))));
  }

  // ---- the routes

  private static CompletionStage<HttpResponse> listTasks(Taskforce tf, Query query) {
    int limit = limit(query.get("limit"));
    TaskFilter filter = new TaskFilter(statuses(query.get("status")), limit, query.get("cursor").orElse(null));
    return tf.listAllTasks(filter).thenApply(page -> json(200, page));
  }

  private static CompletionStage<HttpResponse> cancel(Taskforce tf, String operator, String tenant, String taskId) {
    return tf.cancel(tenant, taskId).thenApply(task -> {
      log.info("operator {} cancelled task {} of tenant {}", operator, taskId, tenant);
      return json(200, task);
    });
  }

  private static CompletionStage<HttpResponse> nodes(Taskforce tf) {
    return tf.nodes().thenApply(nodes -> json(200, Map.of("items", nodes)));
  }

  private static CompletionStage<HttpResponse> drain(Taskforce tf, String operator, String address) {
    return tf.drainNode(address).thenApply(load -> {
      log.info("operator {} started draining node {}", operator, address);
      return json(202, load);
    });
  }

  /** One node's part of an entity type: its shards, their entities, and the shards that did not answer. */
  record NodeShards(String address, int shards, long entities, List<String> unresponsiveShards) {}

  /** An entity type across the cluster, node by node. */
  record TypeShards(int shards, long entities, List<NodeShards> nodes) {}

  private static CompletionStage<HttpResponse> shards(Taskforce tf) {
    ActorSystem<?> typed = tf.system();
    ClusterSharding sharding = ClusterSharding.get(typed);
    Map<String, CompletableFuture<TypeShards>> byType = new LinkedHashMap<>();
    for (EntityTypeKey<?> key : ENTITY_TYPES) {
      CompletionStage<ShardRegion.ClusterShardingStats> stats = AskPattern.ask(sharding.shardState(),
          replyTo -> new GetClusterShardingStats(key, SHARD_STATS_TIMEOUT, replyTo),
          SHARD_STATS_TIMEOUT.plusSeconds(1), typed.scheduler());
      byType.put(key.name(), stats.thenApply(AdminRoutes::typeShards).toCompletableFuture());
    }
    return CompletableFuture.allOf(byType.values().toArray(CompletableFuture[]::new)).thenApply(all -> {
      Map<String, TypeShards> body = new LinkedHashMap<>();
      byType.forEach((type, stats) -> body.put(type, stats.join()));
      return json(200, body);
    });
  }

  private static TypeShards typeShards(ShardRegion.ClusterShardingStats stats) {
    List<NodeShards> nodes = new ArrayList<>();
    stats.getRegions().forEach((address, region) -> {
      long entities = 0;
      for (Object count : region.getStats().values()) entities += ((Number) count).longValue();
      nodes.add(new NodeShards(address.toString(), region.getStats().size(), entities,
          List.copyOf(new TreeSet<>(region.getFailed()))));
    });
    nodes.sort(Comparator.comparing(NodeShards::address));
    return new TypeShards(nodes.stream().mapToInt(NodeShards::shards).sum(),
        nodes.stream().mapToLong(NodeShards::entities).sum(), List.copyOf(nodes));
  }

  // ---- plumbing

  /** The facade's answer, or the problem it failed with; 503 while the node has not attached it. */
  private static Route answer(AdminContext context, Function<Taskforce, CompletionStage<HttpResponse>> call) {
    Optional<Taskforce> tf = context.taskforce();
    if (tf.isEmpty()) return complete(AdminProblems.notStarted().response());
    return completeWithFuture(guarded(() -> call.apply(tf.get()))
        .handle((response, failure) -> failure == null ? response : AdminProblems.response(failure)));
  }

  private static CompletionStage<HttpResponse> guarded(Supplier<CompletionStage<HttpResponse>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static int limit(Optional<String> raw) {
    if (raw.isEmpty() || raw.get().isEmpty()) return TaskFilter.DEFAULT_LIMIT;
    try {
      int limit = Integer.parseInt(raw.get().trim());
      if (limit >= 1 && limit <= TaskFilter.MAX_LIMIT) return limit;
    } catch (NumberFormatException e) {
      // answered below
    }
    throw HttpProblemException.badRequest("limit", "limit must be a whole number within 1.." + TaskFilter.MAX_LIMIT);
  }

  private static Set<TaskStatus> statuses(Optional<String> raw) {
    if (raw.isEmpty() || raw.get().isBlank()) return Set.of();
    Set<TaskStatus> statuses = EnumSet.noneOf(TaskStatus.class);
    for (String word : raw.get().split(",")) {
      try {
        statuses.add(TaskStatus.fromWire(word.trim()));
      } catch (IllegalArgumentException e) {
        throw HttpProblemException.badRequest("status", "unknown status '" + word.trim()
            + "' (pending, running, paused, input_required, completed, failed, cancelled)");
      }
    }
    return statuses;
  }

  static HttpResponse json(int status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(StatusCodes.get(status))
          .withEntity(ContentTypes.APPLICATION_JSON, Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName(), e);
    }
  }
}
