package io.taskforce.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client over java.net.http: a reader thread puts the stream's lines in a
 * queue; the test takes frames from it with deadlines.
 */
final class SseStream implements AutoCloseable {
  private static final String END = "\u0000end";

  /** One frame: its {@code id:} (null when it has none), {@code event:} and {@code data:}. */
  record Frame(String id, String event, String data) {
    JsonNode json() {
      try {
        return TestServer.JSON.readTree(data);
      } catch (IOException e) {
        throw new AssertionError("data is not JSON: " + data, e);
      }
    }
  }

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> comments = new ArrayList<>();
  private final Thread reader;

  private SseStream(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static SseStream open(TestServer server, String path, String token, Map<String, String> headers) {
    HttpRequest.Builder request = server.request(path, token).header("Accept", "text/event-stream");
    headers.forEach(request::header);
    try {
      return new SseStream(server.client().send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int status() {
    return response.statusCode();
  }

  String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** The comment lines (starting with ':') seen so far. */
  synchronized List<String> comments() {
    return List.copyOf(comments);
  }

  /** The next line, or null when none comes within {@code timeout} or the stream ended. */
  String nextLine(Duration timeout) {
    try {
      String line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (line == null || line.equals(END)) {
        if (line != null) lines.add(END);
        return null;
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next frame (comments are recorded and skipped); fails when none comes in time. */
  Frame nextFrame(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) throw new AssertionError("no SSE frame within " + timeout);
      String line = nextLine(Duration.ofNanos(left));
      if (line == null) throw new AssertionError("no SSE frame within " + timeout + " (or the stream ended)");
      if (line.startsWith(":")) {
        synchronized (this) {
          comments.add(line);
        }
        continue;
      }
      if (line.isEmpty()) {
        if (event != null || data != null || id != null) return new Frame(id, event, data == null ? null : data.toString());
        continue;
      }
      String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
      String value = line.contains(":") ? line.substring(line.indexOf(':') + 1) : "";
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { }
      }
    }
  }

  /** Waits for a comment line other than those in {@code known}; true if one came in time. */
  boolean awaitNewComment(int known, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (comments().size() <= known) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      String line = nextLine(Duration.ofNanos(left));
      if (line == null) return false;
      if (line.startsWith(":")) {
        synchronized (this) {
          comments.add(line);
        }
      }
    }
    return true;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) lines.add(line);
    } catch (IOException e) {
      // closed
    } finally {
      lines.add(END);
    }
  }

  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException e) {
      // already closed
    }
    reader.interrupt();
  }
}
