package io.taskforce.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SSE reader of {@code watch}, against a small fake feed: parsing, and resuming after a drop. */
class EventStreamTest {
  private HttpServer http;
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/v1/sessions/s1/events", this::feed);
    http.createContext("/v1/sessions/gone/events", exchange -> {
      byte[] body = "{\"type\":\"/problems/not-found\",\"title\":\"Not found\",\"status\":404,\"detail\":\"no session gone\"}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    http.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    http.stop(0);
  }

  /** First connection: two durable events and a live one, then the connection drops. Then event 3. */
  private void feed(HttpExchange exchange) throws IOException {
    lastEventIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream body = exchange.getResponseBody();
    if (connections.incrementAndGet() == 1) {
      write(body, ": connected\n\nid: 1\nevent: task.started\ndata: {\"seq\":1}\n\n"
          + "event: task.progress\ndata: {\"first\":\ndata: \"line\"}\n\n"
          + ": keep-alive\n\nid: 2\nevent: task.completed\ndata: {\"seq\":2}\n\n");
      exchange.close();
      return;
    }
    write(body, ": connected\n\nid: 3\nevent: task.dispatched\ndata: {\"seq\":3}\n\n");
    try {
      release.await(30, TimeUnit.SECONDS); // the stream stays open, as a live feed does
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    exchange.close();
  }

  private static void write(OutputStream body, String text) throws IOException {
    body.write(text.getBytes(StandardCharsets.UTF_8));
    body.flush();
  }

  @Test
  void readsEventsAndResumesAfterTheLastIdWhenTheConnectionDrops() throws Exception {
    BlockingQueue<EventStream.Item> queue = new LinkedBlockingQueue<>();
    try (EventStream stream = new EventStream(api(), "s1", 0, queue, Duration.ofSeconds(10)).start()) {
      assertEquals(new EventStream.Connected(false), next(queue));
      assertEquals(new EventStream.Event(1L, "task.started", "{\"seq\":1}"), next(queue));
      assertEquals(new EventStream.Event(null, "task.progress", "{\"first\":\n\"line\"}"), next(queue));
      assertEquals(new EventStream.Event(2L, "task.completed", "{\"seq\":2}"), next(queue));
      assertEquals(new EventStream.Connected(true), next(queue));
      assertEquals(new EventStream.Event(3L, "task.dispatched", "{\"seq\":3}"), next(queue));
      assertEquals(List.of("null", "2"), lastEventIds, "the reconnection asks for what follows event 2");
      assertEquals(3L, stream.lastId());
    }
  }

  @Test
  void aRefusalEndsTheStreamWithTheProblem() throws Exception {
    BlockingQueue<EventStream.Item> queue = new LinkedBlockingQueue<>();
    try (EventStream stream = new EventStream(api(), "gone", 0, queue, Duration.ofSeconds(10)).start()) {
      EventStream.Ended ended = assertInstanceOf(EventStream.Ended.class, next(queue));
      assertEquals(ExitCode.NOT_FOUND, ended.failure().exitCode());
      assertEquals("Not found: no session gone", ended.failure().getMessage());
    }
  }

  private Api api() {
    return new Api(URI.create("http://127.0.0.1:" + http.getAddress().getPort()), "token");
  }

  private static EventStream.Item next(BlockingQueue<EventStream.Item> queue) throws InterruptedException {
    EventStream.Item item = queue.poll(20, TimeUnit.SECONDS);
    assertNotNull(item, "nothing came from the stream");
    return item;
  }
}
