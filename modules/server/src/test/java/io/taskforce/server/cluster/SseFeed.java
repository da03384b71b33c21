package io.taskforce.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A session's feed as Server-Sent Events from one node: frames taken with deadlines. */
final class SseFeed implements AutoCloseable {
  /** One frame: {@code id} is null for live-only events (progress). */
  record Frame(String id, String event, JsonNode data) {}

  private static final Frame END = new Frame(null, null, null);
  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseFeed(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-feed");
    reader.setDaemon(true);
    reader.start();
  }

  static SseFeed open(Api api, ClusterNode node, String sessionId, long after) {
    try {
      HttpResponse<InputStream> response = api.client().send(
          api.request(node.api() + "/v1/sessions/" + Api.enc(sessionId) + "/events?after=" + after)
              .header("Accept", "text/event-stream").GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
        throw new AssertionError("the feed answered " + response.statusCode() + ": " + body);
      }
      return new SseFeed(response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next frame, or null when none came within {@code timeout}; fails if the stream ended. */
  Frame next(Duration timeout) {
    try {
      Frame frame = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (frame == END) {
        frames.add(END);
        throw new AssertionError("the event stream ended");
      }
      return frame;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith(":")) continue; // keep-alive comment
        if (line.isEmpty()) {
          if (data != null) frames.add(new Frame(id, event, Api.JSON.readTree(data.toString())));
          id = null;
          event = null;
          data = null;
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        switch (field) {
          case "id" -> id = value;
          case "event" -> event = value;
          case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          default -> { }
        }
      }
    } catch (IOException e) {
      // closed
    } finally {
      frames.add(END);
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
