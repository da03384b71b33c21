package io.taskforce.http.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * The web console's static files: {@code GET /} answers its page, {@code GET /console/<file>} its
 * scripts, styles and icon, all read from the classpath ({@code io/taskforce/http/console/}). They
 * need no token: the page asks for one and sends it with its own API calls. Every answer forbids
 * framing, inline scripts and calls to other origins (Content-Security-Policy). Beside them, {@link
 * ConsoleClusterApi} answers {@code /console/features.json} and, when the server has an {@link
 * OperatorView}, the cluster view's {@code /console/api/nodes}.
 */
public final class ConsoleRoutes {
  private static final String ROOT = "/io/taskforce/http/console/";
  private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(js|css|svg)");
  private static final Map<String, ContentType> TYPES = Map.of(
      "js", ContentTypes.parse("text/javascript; charset=UTF-8"),
      "css", ContentTypes.create(MediaTypes.TEXT_CSS, HttpCharsets.UTF_8),
      "svg", ContentTypes.create(MediaTypes.IMAGE_SVG_XML));
  private static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      // Small files that change with each release: the browser revalidates, the server answers fast.
      RawHeader.create("Cache-Control", "no-cache"));

  private final ClassicActorSystemProvider system;
  private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();
  private final ConsoleClusterApi cluster;

  /** The console without a cluster view. */
  public ConsoleRoutes(ClassicActorSystemProvider system) {
    this(system, Optional.empty());
  }

  /** The console, with a cluster view when {@code operators} is present. */
  public ConsoleRoutes(ClassicActorSystemProvider system, Optional<OperatorView> operators) {
    this.system = system;
    this.cluster = new ConsoleClusterApi(operators);
  }

  /** Whether {@code path} (its segments) is the console's: {@code /} or under {@code /console/}. */
  public static boolean serves(List<String> path) {
    return path.isEmpty() || path.get(0).equals("console");
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request, List<String> path) {
    request.discardEntityBytes(system);
    String method = request.method().value();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return done(plain(405, "method not allowed").addHeader(RawHeader.create("Allow", "GET, HEAD")));
    }
    if (path.isEmpty()) {
      return done(file("index.html").map(bytes -> ok(ContentTypes.TEXT_HTML_UTF8, bytes))
          .orElseGet(() -> plain(500, "the console is missing from this build")));
    }
    if (cluster.serves(path)) return cluster.handle(request, path);
    if (path.size() == 2 && ASSET.matcher(path.get(1)).matches()) {
      String name = path.get(1);
      ContentType type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
      Optional<byte[]> bytes = file(name);
      if (bytes.isPresent()) return done(ok(type, bytes.get()));
    }
    return done(plain(404, "no such console file"));
  }

  private Optional<byte[]> file(String name) {
    return files.computeIfAbsent(name, n -> {
      try (InputStream in = ConsoleRoutes.class.getResourceAsStream(ROOT + n)) {
        return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static HttpResponse ok(ContentType type, byte[] bytes) {
    return HttpResponse.create().withEntity(type, bytes).addHeaders(HEADERS);
  }

  private static HttpResponse plain(int status, String text) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.TEXT_PLAIN_UTF8, text + "\n")
        .addHeaders(HEADERS);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
