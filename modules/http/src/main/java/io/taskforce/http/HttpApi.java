package io.taskforce.http;

import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ServerSettings;

/**
 * The HTTP API v1 as one request handler: it matches the request to an {@link Operation},
 * authenticates its bearer token to a tenant, reads its body within the limit, and answers with
 * JSON or a problem. It speaks only to the {@link Taskforce} facade.
 */
public final class HttpApi {

  /** The settings of {@code taskforce.http}. */
  public record Settings(String host, int port, long maxBodyBytes, Duration bodyTimeout, Duration sseKeepAlive) {
    public static Settings from(Config config) {
      Config c = config.getConfig("taskforce.http");
      return new Settings(c.getString("host"), c.getInt("port"), c.getBytes("max-body-size"),
          c.getDuration("body-timeout"), c.getDuration("sse-keep-alive"));
    }
  }

  private final ActorSystem<?> system;
  private final Tokens tokens;
  private final Settings settings;
  private final List<Operation> operations;
  private final byte[] openApi;
  private final io.taskforce.http.mcp.McpEndpoint mcp;
  private final io.taskforce.http.console.ConsoleRoutes console;

  public HttpApi(Taskforce tf, Tokens tokens, Settings settings) {
    this(tf, tokens, settings, List.of(), Optional.empty());
  }

  /**
   * The API with {@code mcpTools} served at {@code /mcp} after Taskforce's own tools (an
   * embedding host's tools; see {@link io.taskforce.http.mcp.McpTool}).
   */
  public HttpApi(Taskforce tf, Tokens tokens, Settings settings, List<io.taskforce.http.mcp.McpTool> mcpTools) {
    this(tf, tokens, settings, mcpTools, Optional.empty());
  }

  /**
   * The API with the console's cluster view when {@code operators} is present (the server passes
   * one when operator credentials are configured).
   */
  public HttpApi(Taskforce tf, Tokens tokens, Settings settings,
      Optional<io.taskforce.http.console.OperatorView> operators) {
    this(tf, tokens, settings, List.of(), operators);
  }

  public HttpApi(Taskforce tf, Tokens tokens, Settings settings, List<io.taskforce.http.mcp.McpTool> mcpTools,
      Optional<io.taskforce.http.console.OperatorView> operators) {
    this.system = tf.system();
    this.tokens = tokens;
    this.settings = settings;
    this.operations = new ApiV1(tf, new FeedResponses(tf, settings.sseKeepAlive())).operations();
    this.openApi = resource("/taskforce/openapi.json");
    this.mcp = new io.taskforce.http.mcp.McpEndpoint(tf, tokens, settings,
        io.taskforce.http.mcp.McpSettings.from(tf.system().settings().config()), mcpTools);
    this.console = new io.taskforce.http.console.ConsoleRoutes(system, operators);
  }

  /** Every operation the server serves (besides {@code GET /v1/openapi.json}). */
  public List<Operation> operations() {
    return operations;
  }

  /** Binds the API on {@code host:port}; the binding is unbound by coordinated shutdown. */
  public CompletionStage<ServerBinding> bind(Config config) {
    ServerSettings serverSettings = ServerSettings.create(
        config.getConfig("taskforce.http.server").atPath("pekko.http.server").withFallback(config));
    return Http.get(system)
        .newServerAt(settings.host(), settings.port())
        .withSettings(serverSettings)
        .bind(this::handle)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system));
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    List<String> path = segments(request);
    String method = request.method().value();
    if (io.taskforce.http.mcp.McpEndpoint.serves(path)) return mcp.handle(request); // same tokens and tenants
    if (io.taskforce.http.console.ConsoleRoutes.serves(path)) return console.handle(request, path); // static: no token
    if (path.equals(List.of("v1", "openapi.json")) && method.equals("GET")) {
      request.discardEntityBytes(system);
      return CompletableFuture.completedFuture(
          HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openApi));
    }
    List<Operation> onPath = new ArrayList<>();
    Operation operation = null;
    Map<String, String> params = null;
    for (Operation candidate : operations) {
      Optional<Map<String, String>> match = candidate.match(path);
      if (match.isEmpty()) continue;
      onPath.add(candidate);
      if (candidate.method().equals(method)) {
        operation = candidate;
        params = match.get();
      }
    }
    if (operation == null) {
      request.discardEntityBytes(system);
      if (onPath.isEmpty()) {
        return done(Problem.of(404, "no-route", "Not found", "no such path: " + request.getUri().path()).response());
      }
      String allow = onPath.stream().map(Operation::method).distinct().collect(Collectors.joining(", "));
      return done(Problem.of(405, "method-not-allowed", "Method not allowed",
          method + " is not allowed here (allowed: " + allow + ")").response(RawHeader.create("Allow", allow)));
    }
    Optional<String> tenant = bearer(request).flatMap(tokens::tenantOf);
    if (tenant.isEmpty()) {
      request.discardEntityBytes(system);
      return done(Problem.of(401, "unauthorized", "Unauthorized",
          "a valid bearer token is required (Authorization: Bearer <token>)")
          .response(RawHeader.create("WWW-Authenticate", "Bearer realm=\"taskforce\"")));
    }
    long declared = request.entity().getContentLengthOption().orElse(-1L);
    if (declared > settings.maxBodyBytes()) {
      request.discardEntityBytes(system);
      return done(Problems.response(new org.apache.pekko.http.scaladsl.model.EntityStreamSizeException(
          settings.maxBodyBytes(), scala.Option.apply(declared))));
    }
    Operation chosen = operation;
    Map<String, String> chosenParams = params;
    return request.entity()
        .toStrict(settings.bodyTimeout().toMillis(), settings.maxBodyBytes(), system)
        .thenCompose(strict -> {
          try {
            return chosen.handler().handle(new Call(tenant.get(), chosenParams, request, strict.getData().toArray()));
          } catch (Exception e) {
            return CompletableFuture.<HttpResponse>failedFuture(e);
          }
        })
        .exceptionally(Problems::response);
  }

  private static Optional<String> bearer(HttpRequest request) {
    return request.getHeader("Authorization")
        .map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(v -> v.substring(7).trim());
  }

  private static List<String> segments(HttpRequest request) {
    List<String> segments = new ArrayList<>();
    request.getUri().pathSegments().forEach(segments::add);
    while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) segments.remove(segments.size() - 1);
    return segments;
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static byte[] resource(String name) {
    try (InputStream in = HttpApi.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
