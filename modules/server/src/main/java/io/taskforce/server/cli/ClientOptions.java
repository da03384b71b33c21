package io.taskforce.server.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * What every client verb shares: where the server is ({@code --url}, {@code TASKFORCE_URL}, else
 * {@code http://127.0.0.1:8080}), its token ({@code --token}, {@code TASKFORCE_TOKEN}, else the file
 * {@code <TASKFORCE_DATA_DIR or ./data>/token} the server generated), and {@code --json}.
 */
public final class ClientOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(names = "--url", paramLabel = "URL",
      description = "The server (default: env TASKFORCE_URL, else " + DEFAULT_URL + ").")
  String url;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "The bearer token (default: env TASKFORCE_TOKEN, else <TASKFORCE_DATA_DIR or ./data>/token).")
  String token;

  @Option(names = "--json", description = "Print the server's JSON instead of text (for scripts).")
  boolean json;

  Api api() {
    return new Api(baseUri(), token());
  }

  URI baseUri() {
    String raw = firstNonBlank(url, System.getenv("TASKFORCE_URL"), DEFAULT_URL).trim();
    while (raw.endsWith("/")) raw = raw.substring(0, raw.length() - 1);
    URI uri;
    try {
      uri = URI.create(raw);
    } catch (IllegalArgumentException e) {
      throw CliFailure.usage("the server URL '" + raw + "' is not a URL");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw CliFailure.usage("the server URL '" + raw + "' must look like http://host:port");
    }
    return uri;
  }

  String token() {
    String given = firstNonBlank(token, System.getenv("TASKFORCE_TOKEN"), null);
    if (given != null) return given.trim();
    String dataDir = firstNonBlank(System.getenv("TASKFORCE_DATA_DIR"), null, "./data");
    Path file = Path.of(dataDir).resolve("token").toAbsolutePath().normalize();
    try {
      if (Files.isRegularFile(file)) {
        String fromFile = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!fromFile.isEmpty()) return fromFile;
      }
    } catch (IOException e) {
      throw CliFailure.usage("cannot read the token file " + file + ": " + e.getMessage());
    }
    throw CliFailure.usage("no token: pass --token, set TASKFORCE_TOKEN, or point TASKFORCE_DATA_DIR at the "
        + "server's data directory (looked for " + file + ")");
  }

  private static String firstNonBlank(String a, String b, String fallback) {
    if (a != null && !a.isBlank()) return a;
    if (b != null && !b.isBlank()) return b;
    return fallback;
  }
}
