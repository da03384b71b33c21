package io.taskforce.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;

/**
 * A session's Server-Sent Events feed, read on a thread of its own into a queue. When the
 * connection drops it reconnects with {@code Last-Event-ID} set to the last id it delivered, so
 * nothing durable is missed or repeated; it gives up when the server stays unreachable for
 * {@code giveUpAfter}, or at once when the server refuses (404, 410, 401 …).
 */
final class EventStream implements Runnable, AutoCloseable {
  /** What the stream puts on the queue. */
  sealed interface Item {}

  /** The stream is open; {@code again} after a reconnection. */
  record Connected(boolean again) implements Item {}

  /** One SSE event: {@code id} is null for live-only events ({@code task.progress}). */
  record Event(Long id, String type, String data) implements Item {}

  /** The stream stopped for good. */
  record Ended(CliFailure failure) implements Item {}

  private static final long FIRST_BACKOFF_MILLIS = 200;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final Api api;
  private final String sessionId;
  private final BlockingQueue<Item> sink;
  private final Duration giveUpAfter;
  private volatile long lastId;
  private volatile boolean closed;
  private volatile InputStream current;

  EventStream(Api api, String sessionId, long afterId, BlockingQueue<Item> sink, Duration giveUpAfter) {
    this.api = api;
    this.sessionId = sessionId;
    this.lastId = afterId;
    this.sink = sink;
    this.giveUpAfter = giveUpAfter;
  }

  /** Starts reading on a daemon thread. */
  EventStream start() {
    Thread thread = new Thread(this, "taskforce-events");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  long lastId() {
    return lastId;
  }

  @Override
  public void run() {
    boolean connectedBefore = false;
    long failingSince = -1;
    long backoff = FIRST_BACKOFF_MILLIS;
    String why = null;
    try {
      while (!closed) {
        try (InputStream in = api.openEvents(sessionId, lastId)) {
          current = in;
          sink.put(new Connected(connectedBefore));
          connectedBefore = true;
          failingSince = -1;
          backoff = FIRST_BACKOFF_MILLIS;
          read(in);
          why = "the server closed the stream";
        } catch (CliFailure refused) {
          if (refused.status() < 500) {
            sink.put(new Ended(refused));
            return;
          }
          why = refused.getMessage(); // the server is starting or stopping: try again
        } catch (IOException e) {
          why = Api.whyUnreachable(e);
        }
        if (closed) return;
        long now = System.nanoTime();
        if (failingSince < 0) {
          failingSince = now;
        } else if (now - failingSince > giveUpAfter.toNanos()) {
          sink.put(new Ended(CliFailure.unreachable(api.base().toString(), why)));
          return;
        }
        Thread.sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads events until the stream ends (the SSE format: fields, a blank line ends an event). */
  private void read(InputStream in) throws IOException, InterruptedException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String id = null;
    String type = null;
    StringBuilder data = null;
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null) deliver(id, type, data.toString());
        id = null;
        type = null;
        data = null;
        continue;
      }
      if (line.startsWith(":")) continue; // a comment: connected, keep-alive
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "id" -> id = value;
        case "event" -> type = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { } // retry and unknown fields are ignored
      }
    }
  }

  private void deliver(String id, String type, String data) throws InterruptedException {
    Long seq = null;
    if (id != null && !id.isBlank()) {
      try {
        seq = Long.parseLong(id.trim());
      } catch (NumberFormatException e) {
        seq = null;
      }
    }
    if (seq != null) lastId = seq;
    sink.put(new Event(seq, type == null ? "message" : type, data));
  }

  @Override
  public void close() {
    closed = true;
    InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
