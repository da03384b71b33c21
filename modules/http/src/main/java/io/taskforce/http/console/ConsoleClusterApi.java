package io.taskforce.http.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.taskforce.http.Json;
import io.taskforce.http.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's two reads besides its files:
 *
 * <ul>
 *   <li>{@code GET /console/features.json}: {@code {"cluster": true|false}}, whether this server
 *       has a cluster view (operator credentials configured), so the console knows to offer it.
 *   <li>{@code GET /console/api/nodes}: the cluster's nodes and their attempt slots, behind the
 *       operator credentials (HTTP basic, as on the management routes); {@code 401} with a basic
 *       challenge without them. Not served at all ({@code 404}, as any unknown console path) when
 *       the server has no operator credentials.
 * </ul>
 */
final class ConsoleClusterApi {
  private static final Logger log = LoggerFactory.getLogger(ConsoleClusterApi.class);
  private static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-store"));

  private final Optional<OperatorView> operators;

  ConsoleClusterApi(Optional<OperatorView> operators) {
    this.operators = operators;
  }

  /** Whether {@code path} (under {@code /console/}) is one of these reads and is served here. */
  boolean serves(List<String> path) {
    if (path.equals(List.of("console", "features.json"))) return true;
    return operators.isPresent() && path.equals(List.of("console", "api", "nodes"));
  }

  /** Answers a {@code GET} of a path that {@link #serves} accepts. */
  CompletionStage<HttpResponse> handle(HttpRequest request, List<String> path) {
    if (path.get(1).equals("features.json")) {
      return done(json(Map.of("cluster", operators.isPresent())));
    }
    OperatorView view = operators.orElseThrow();
    Optional<String> operator = credentials(request).flatMap(c -> view.authenticate(c[0], c[1]));
    if (operator.isEmpty()) {
      return done(Problem.of(401, "unauthorized", "Unauthorized",
              "the operator credentials are required (HTTP basic: TASKFORCE_ADMIN_USER and TASKFORCE_ADMIN_PASSWORD)")
          .response(RawHeader.create("WWW-Authenticate", "Basic realm=\"" + view.realm() + "\", charset=\"UTF-8\""))
          .addHeaders(HEADERS));
    }
    CompletionStage<List<OperatorView.ClusterNode>> nodes;
    try {
      nodes = view.nodes();
    } catch (RuntimeException e) {
      nodes = CompletableFuture.failedFuture(e);
    }
    return nodes.handle((items, failure) -> {
      if (failure == null) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("at", Instant.now().toString());
        return json(body);
      }
      log.warn("the cluster view could not read the nodes' load", failure);
      return Problem.of(503, "unavailable", "Service unavailable", "the nodes did not answer in time; try again")
          .withRetryAfter(Duration.ofSeconds(1)).response().addHeaders(HEADERS);
    });
  }

  /** The user and password of an {@code Authorization: Basic} header (RFC 7617, UTF-8). */
  static Optional<String[]> credentials(HttpRequest request) {
    return request.getHeader("Authorization")
        .map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Basic ", 0, 6))
        .flatMap(v -> {
          byte[] decoded;
          try {
            decoded = Base64.getDecoder().decode(v.substring(6).trim());
          } catch (IllegalArgumentException e) {
            return Optional.empty();
          }
          String pair = new String(decoded, StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          return colon < 0 ? Optional.empty()
              : Optional.of(new String[] {pair.substring(0, colon), pair.substring(colon + 1)});
        });
  }

  private static HttpResponse json(Object body) {
    try {
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, Json.MAPPER.writeValueAsBytes(body))
          .addHeaders(HEADERS);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName(), e);
    }
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
