package io.taskforce.http.mcp;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A loopback HTTP proxy for tests only: it forwards every request to the server with the bearer
 * token added (the conformance tool sends none), keeping the client's Host and Origin so the
 * server's DNS-rebinding checks see what the client sent. Responses, SSE streams included, pass
 * through as they come. The product has no way to switch its authentication off; this is how a
 * token-less client reaches it in a test.
 */
final class BearerProxy implements AutoCloseable {
  private static final Set<String> DROPPED = Set.of("authorization", "timeout-access", "connection", "keep-alive",
      "content-length", "content-type", "transfer-encoding", "remote-address", "raw-request-uri", "tls-session-info");

  private final ServerBinding binding;

  private BearerProxy(ServerBinding binding) {
    this.binding = binding;
  }

  static BearerProxy start(ActorSystem<?> system, int targetPort, String token) {
    Http http = Http.get(system);
    try {
      org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> handler =
          request -> forward(system, http, request, targetPort, token);
      ServerBinding binding = http.newServerAt("127.0.0.1", 0).bind(handler)
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new BearerProxy(binding);
    } catch (Exception e) {
      throw new IllegalStateException("the proxy did not start", e);
    }
  }

  private static CompletionStage<HttpResponse> forward(ActorSystem<?> system, Http http, HttpRequest request, int port, String token) {
    List<HttpHeader> headers = StreamSupport.stream(request.getHeaders().spliterator(), false)
        .filter(h -> !DROPPED.contains(h.lowercaseName()))
        .collect(java.util.stream.Collectors.toList());
    headers.add(Authorization.oauth2(token));
    String target = request.getUri().rawQueryString().map(q -> request.getUri().path() + "?" + q).orElse(request.getUri().path());
    HttpRequest out = request.withUri(target).withHeaders(headers);
    return Source.single(out)
        .via(http.connectionTo("127.0.0.1").toPort(port).http())
        .runWith(Sink.head(), system);
  }

  int port() {
    return binding.localAddress().getPort();
  }

  @Override
  public void close() {
    binding.terminate(Duration.ofSeconds(2));
  }
}
