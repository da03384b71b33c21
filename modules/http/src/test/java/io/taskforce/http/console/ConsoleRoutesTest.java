package io.taskforce.http.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's static files as the HTTP API serves them, beside /v1 on the same port. */
class ConsoleRoutesTest {
  private static ConsoleTestServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    server = ConsoleTestServer.start(0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theRootServesThePageWithoutAToken() throws Exception {
    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertEquals("text/html; charset=UTF-8", page.headers().firstValue("Content-Type").orElse(""));
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
    assertTrue(page.body().contains("<script type=\"module\" src=\"/console/app.js\"></script>"), page.body());
  }

  @Test
  void everyFileThePageLoadsIsServedWithItsType() throws Exception {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    Matcher links = Pattern.compile("\"/console/([a-z0-9.-]+)\"").matcher(get("/").body());
    while (links.find()) todo.add(links.group(1));
    Pattern imports = Pattern.compile("from '\\./([a-z0-9-]+\\.js)'");
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name)) continue;
      HttpResponse<String> file = get("/console/" + name);
      assertEquals(200, file.statusCode(), name);
      String type = file.headers().firstValue("Content-Type").orElse("");
      String expected = name.endsWith(".js") ? "text/javascript; charset=UTF-8"
          : name.endsWith(".css") ? "text/css; charset=UTF-8" : "image/svg+xml";
      assertEquals(expected, type, name);
      Matcher imported = imports.matcher(file.body());
      while (imported.find()) todo.add(imported.group(1));
    }
    // app.js, its modules, the style sheet and the icon.
    assertTrue(seen.containsAll(Set.of("app.js", "api.js", "feed.js", "session.js", "sessions.js", "tasks.js",
        "task.js", "dispatch.js", "cluster.js", "dom.js", "console.css", "icon.svg")), seen.toString());
  }

  @Test
  void unknownFilesAndOtherPathsAre404() throws Exception {
    for (String path : new String[] {"/console/nope.js", "/console", "/console/app.js/x", "/console/%2E%2E%2Fpom.xml",
        "/console/..%2Fconsole%2Fapp.js", "/console/index.html", "/console/App.js", "/elsewhere",
        // The cluster view's read: a server without operator credentials does not serve it.
        "/console/api/nodes", "/console/api", "/console/features.json/x"}) {
      assertEquals(404, get(path).statusCode(), path);
    }
  }

  @Test
  void theFeaturesSayThereIsNoClusterViewWithoutOperatorCredentials() throws Exception {
    HttpResponse<String> features = get("/console/features.json");
    assertEquals(200, features.statusCode());
    assertEquals("application/json", features.headers().firstValue("Content-Type").orElse(""));
    assertEquals("{\"cluster\":false}", features.body());
  }

  @Test
  void onlyGetAndHeadAreServed() throws Exception {
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(server.base + "/"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(server.base + "/console/app.js"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertEquals(200, head.statusCode());
  }

  @Test
  void theApiStillNeedsItsToken() throws Exception {
    assertEquals(401, get("/v1/sessions").statusCode());
    HttpResponse<String> withToken = HTTP.send(HttpRequest.newBuilder(URI.create(server.base + "/v1/sessions"))
        .header("Authorization", "Bearer " + ConsoleTestServer.TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, withToken.statusCode());
  }
}
