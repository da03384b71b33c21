package io.taskforce.executors.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local OpenAI-compatible endpoint for tests, on a raw {@link ServerSocket} (127.0.0.1, a free
 * port) so that a test controls the connection itself: it speaks {@code POST /v1/chat/completions}
 * with {@code "stream": true} the way OpenAI-compatible servers do (HTTP/1.1, chunked
 * {@code text/event-stream}, {@code data: {chunk}} lines, a final chunk with {@code finish_reason},
 * an optional usage chunk, then {@code data: [DONE]}).
 *
 * <p>Each test scripts its own behaviour under a model name of its own ({@link #script}), so tests
 * never see each other's requests: the tokens and the delay between them, one-shot replies (a 401,
 * a 429 with {@code Retry-After}, a connection closed after n tokens, a stream that stalls), and a
 * default status. Every request is recorded (headers and JSON body), and the script is told when a
 * client goes away before its response ended.
 */
final class FakeOpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the server received it. */
  record Request(String method, String path, Map<String, String> headers, JsonNode body, java.time.Instant at) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The request's messages, as (role, content) pairs. */
    List<List<String>> messages() {
      List<List<String>> out = new ArrayList<>();
      body.path("messages").forEach(m -> out.add(List.of(m.path("role").asText(), m.path("content").asText())));
      return out;
    }
  }

  /** What to answer one request with, instead of the default stream. */
  sealed interface Reply {}

  /** An HTTP error status, with headers (such as {@code Retry-After}) and a body. */
  record Status(int code, Map<String, String> headers, String body) implements Reply {}

  /** The stream, but the connection is closed abruptly after {@code tokens} tokens. */
  record CloseAfter(int tokens) implements Reply {}

  /** The stream, but after {@code tokens} tokens nothing more is sent until the client goes away. */
  record StallAfter(int tokens) implements Reply {}

  /**
   * The whole answer and its {@code finish_reason} chunk, then after {@code hold} the connection is
   * closed abruptly (no usage chunk, no {@code [DONE]}, no end of the chunked body).
   */
  record CutAfterFinish(Duration hold) implements Reply {}

  /** No response at all (not even the headers) until the client goes away. */
  record NoHeaders() implements Reply {}

  /** The scripted behaviour of one model name, and what happened to it. */
  static final class Script {
    final String model;
    private volatile List<String> tokens = List.of("Hello", ", ", "world", "!");
    private volatile Duration delay = Duration.ZERO;
    private volatile String finishReason = "stop";
    private volatile JsonNode usage;
    private volatile Status defaultStatus;
    private final Deque<Reply> once = new ArrayDeque<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    /** Client connections that went away before their response ended. */
    private final BlockingQueue<Integer> gone = new LinkedBlockingQueue<>();
    private final AtomicInteger tokensSent = new AtomicInteger();
    private final AtomicInteger responsesCompleted = new AtomicInteger();
    /** Connections the server closed in the middle of a stream (a {@link CloseAfter}). */
    private final BlockingQueue<Integer> cut = new LinkedBlockingQueue<>();

    private Script(String model) {
      this.model = model;
    }

    Script tokens(String... newTokens) {
      this.tokens = List.of(newTokens);
      return this;
    }

    Script tokens(List<String> newTokens) {
      this.tokens = List.copyOf(newTokens);
      return this;
    }

    Script delay(Duration newDelay) {
      this.delay = newDelay;
      return this;
    }

    Script finishReason(String reason) {
      this.finishReason = reason;
      return this;
    }

    Script usage(int prompt, int completion) {
      ObjectNode u = JSON.createObjectNode();
      u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
      this.usage = u;
      return this;
    }

    /** Every request not taken by a one-shot reply is answered with this status. */
    Script always(int code, String body) {
      this.defaultStatus = new Status(code, Map.of(), body);
      return this;
    }

    /** The next request (after earlier one-shot replies) gets {@code reply}, later ones the default. */
    Script once(Reply reply) {
      synchronized (once) {
        once.addLast(reply);
      }
      return this;
    }

    String fullText() {
      return String.join("", tokens);
    }

    List<Request> requests() {
      synchronized (requests) {
        return List.copyOf(requests);
      }
    }

    int tokensSent() {
      return tokensSent.get();
    }

    int responsesCompleted() {
      return responsesCompleted.get();
    }

    /** Waits up to {@code timeout} for the server to cut a stream (a {@link CloseAfter}). */
    boolean awaitCut(Duration timeout) throws InterruptedException {
      return cut.poll(timeout.toMillis(), TimeUnit.MILLISECONDS) != null;
    }

    /** Waits up to {@code timeout} for a client to go away before its response ended. */
    boolean awaitClientGone(Duration timeout) throws InterruptedException {
      return gone.poll(timeout.toMillis(), TimeUnit.MILLISECONDS) != null;
    }

    private Reply nextReply() {
      synchronized (once) {
        Reply r = once.pollFirst();
        if (r != null) return r;
      }
      return defaultStatus;
    }
  }

  private final ServerSocket socket;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-openai");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final List<Request> unscripted = Collections.synchronizedList(new ArrayList<>());
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean closed;

  private FakeOpenAiServer(ServerSocket socket) {
    this.socket = socket;
  }

  static FakeOpenAiServer start() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    FakeOpenAiServer server = new FakeOpenAiServer(socket);
    server.threads.execute(server::acceptLoop);
    return server;
  }

  int port() {
    return socket.getLocalPort();
  }

  /** The base URL to configure, up to {@code /v1}. */
  String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The script of {@code model} (made on first use). */
  Script script(String model) {
    return scripts.computeIfAbsent(model, Script::new);
  }

  /** Requests whose model had no script, or that were not chat completions. */
  List<Request> unscripted() {
    synchronized (unscripted) {
      return List.copyOf(unscripted);
    }
  }

  int connections() {
    return connections.get();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    socket.close();
    for (Socket s : open) closeQuietly(s);
    threads.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = socket.accept();
        connections.incrementAndGet();
        open.add(client);
        threads.execute(() -> {
          try {
            serve(client);
          } catch (IOException e) {
            // The client went away, or the test closed the server.
          } finally {
            open.remove(client);
            closeQuietly(client);
          }
        });
      } catch (IOException e) {
        if (!closed) e.printStackTrace();
      }
    }
  }

  private void serve(Socket client) throws IOException {
    client.setTcpNoDelay(true);
    InputStream in = client.getInputStream();
    OutputStream out = client.getOutputStream();
    String requestLine = readLine(in);
    if (requestLine == null) return;
    String[] parts = requestLine.split(" ");
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    byte[] body = readBody(in, headers);
    JsonNode json;
    try {
      json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      json = JSON.createObjectNode().put("unparsable", new String(body, StandardCharsets.UTF_8));
    }
    Request request = new Request(parts[0], parts.length > 1 ? parts[1] : "", Map.copyOf(headers), json,
        java.time.Instant.now());
    Script script = scripts.get(json.path("model").asText(""));
    if (script == null || !request.method().equals("POST") || !request.path().equals("/v1/chat/completions")) {
      unscripted.add(request);
      writeStatus(out, new Status(404, Map.of(), "{\"error\":{\"message\":\"no such model or path\"}}"));
      return;
    }
    script.requests.add(request);

    // A watcher that notices the client going away: nothing more is sent by the client after its
    // request (every answer is Connection: close), so the read ends only when the client closes.
    CountDownLatch clientClosed = new CountDownLatch(1);
    boolean[] finished = {false};
    threads.execute(() -> {
      try {
        while (in.read() >= 0) {
          // Discard: nothing is expected.
        }
      } catch (IOException e) {
        // Reset by the client, or closed by us.
      }
      boolean early;
      synchronized (finished) {
        early = !finished[0];
      }
      if (early && !closed) script.gone.add(1);
      clientClosed.countDown();
    });

    Reply reply = script.nextReply();
    try {
      if (reply instanceof Status status) {
        markFinished(finished);
        writeStatus(out, status);
        return;
      }
      if (reply instanceof NoHeaders) {
        awaitQuietly(clientClosed, Duration.ofMinutes(5));
        return;
      }
      stream(client, script, request, reply, out, clientClosed, finished);
    } catch (SocketException e) {
      // The client is gone; the watcher reports it.
    }
  }

  private void stream(Socket client, Script script, Request request, Reply reply, OutputStream out, CountDownLatch clientClosed,
      boolean[] finished) throws IOException {
    List<String> tokens = remainingTokens(script.tokens, request);
    out.write(("HTTP/1.1 200 OK\r\n"
        + "Content-Type: text/event-stream\r\n"
        + "Cache-Control: no-cache\r\n"
        + "Transfer-Encoding: chunked\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String id = "chatcmpl-" + Integer.toHexString(System.identityHashCode(request));
    // The first chunk carries the role, as OpenAI's does.
    writeChunk(out, event(chunk(id, script.model, "{\"role\":\"assistant\",\"content\":\"\"}", null)));
    for (int i = 0; i < tokens.size(); i++) {
      if (reply instanceof CloseAfter c && i == c.tokens()) {
        // Abruptly, in the middle of the chunked body: no final chunk, no [DONE].
        markFinished(finished);
        out.flush();
        closeQuietly(client);
        script.cut.add(i);
        return;
      }
      if (reply instanceof StallAfter s && i == s.tokens()) {
        awaitQuietly(clientClosed, Duration.ofMinutes(5));
        return;
      }
      if (i > 0 && !script.delay.isZero() && awaitQuietly(clientClosed, script.delay)) return;
      ObjectNode delta = JSON.createObjectNode().put("content", tokens.get(i));
      writeChunk(out, event(chunk(id, script.model, delta.toString(), null)));
      script.tokensSent.incrementAndGet();
    }
    writeChunk(out, event(chunk(id, script.model, "{}", script.finishReason)));
    if (reply instanceof CutAfterFinish c) {
      boolean gone = awaitQuietly(clientClosed, c.hold());
      markFinished(finished);
      closeQuietly(client);
      if (!gone) script.cut.add(tokens.size());
      return;
    }
    if (script.usage != null) {
      ObjectNode usageChunk = JSON.createObjectNode();
      usageChunk.put("id", id).put("object", "chat.completion.chunk").put("model", script.model);
      usageChunk.putArray("choices");
      usageChunk.set("usage", script.usage);
      writeChunk(out, event(usageChunk.toString()));
    }
    markFinished(finished);
    writeChunk(out, event("[DONE]"));
    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    script.responsesCompleted.incrementAndGet();
  }

  /**
   * The tokens still to send: all of them, or (on a continuation whose last message is the
   * assistant's text so far) those after that text.
   */
  private static List<String> remainingTokens(List<String> tokens, Request request) {
    JsonNode messages = request.body().path("messages");
    JsonNode last = messages.path(messages.size() - 1);
    if (!last.path("role").asText().equals("assistant")) return tokens;
    String prefix = last.path("content").asText();
    String full = String.join("", tokens);
    if (!full.startsWith(prefix)) return tokens;
    List<String> rest = new ArrayList<>();
    int at = 0;
    for (String token : tokens) {
      int end = at + token.length();
      if (end > prefix.length()) rest.add(at >= prefix.length() ? token : token.substring(prefix.length() - at));
      at = end;
    }
    return rest;
  }

  private static String chunk(String id, String model, String deltaJson, String finishReason) {
    return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
        + JSON.valueToTree(model) + ",\"choices\":[{\"index\":0,\"delta\":" + deltaJson
        + ",\"finish_reason\":" + (finishReason == null ? "null" : JSON.valueToTree(finishReason)) + "}]}";
  }

  private static String event(String data) {
    return "data: " + data + "\n\n";
  }

  private static void writeChunk(OutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static void writeStatus(OutputStream out, Status status) throws IOException {
    byte[] body = status.body() == null ? new byte[0] : status.body().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status.code() + " " + reason(status.code()) + "\r\n");
    head.append("Content-Type: application/json\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n");
    status.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static String reason(int code) {
    return switch (code) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static void markFinished(boolean[] finished) {
    synchronized (finished) {
      finished[0] = true;
    }
  }

  /** Waits up to {@code timeout}; true if the client went away meanwhile. */
  private static boolean awaitQuietly(CountDownLatch latch, Duration timeout) {
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
    String length = headers.get("content-length");
    if (length != null) return in.readNBytes(Integer.parseInt(length.trim()));
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(in);
        if (size == null) break;
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          readLine(in);
          break;
        }
        body.write(in.readNBytes(n));
        readLine(in);
      }
      return body.toByteArray();
    }
    return new byte[0];
  }

  /** One CRLF-terminated line (ISO-8859-1), without the terminator; null at the end of the stream. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') line.setLength(len - 1);
        return line.toString();
      }
      line.append((char) b);
    }
    return line.length() == 0 ? null : line.toString();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing is all we wanted.
    }
  }
}
