package io.taskforce.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import io.taskforce.api.FeedEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A session's feed over HTTP: Server-Sent Events (replay after {@code Last-Event-ID} or
 * {@code ?after}, then live, with keep-alive comments), or a JSON long poll.
 */
final class FeedResponses {
  private static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();
  private static final int DEFAULT_POLL_LIMIT = 100;
  private static final int MAX_POLL_LIMIT = 1000;

  private final Taskforce tf;
  private final Duration keepAlive;

  FeedResponses(Taskforce tf, Duration keepAlive) {
    this.tf = tf;
    this.keepAlive = keepAlive;
  }

  CompletionStage<HttpResponse> events(Call call) {
    String accept = call.header("Accept").orElse("");
    long after = after(call);
    if (accept.contains("text/event-stream")) return stream(call, after);
    long wait = call.queryLong("waitSeconds", 0, 0, ApiV1.MAX_WAIT_SECONDS);
    int limit = (int) call.queryLong("limit", DEFAULT_POLL_LIMIT, 1, MAX_POLL_LIMIT);
    return tf.pollFeed(call.tenant(), call.param("sid"), after, limit, Duration.ofSeconds(wait))
        .thenApply(events -> Responses.json(200, page(events, after)));
  }

  private CompletionStage<HttpResponse> stream(Call call, long after) {
    String tenant = call.tenant();
    String sessionId = call.param("sid");
    // The session must exist (and be this tenant's) before a stream is opened.
    return tf.session(tenant, sessionId).thenApply(session -> {
      Source<ByteString, ?> frames = Source.single(ByteString.fromString(": connected\n\n"))
          .concat(tf.events(tenant, sessionId, after).map(FeedResponses::frame))
          .keepAlive(keepAlive, () -> ByteString.fromString(": keep-alive\n\n"));
      return HttpResponse.create()
          .withEntity(HttpEntities.createChunked(EVENT_STREAM, frames))
          .addHeader(RawHeader.create("Cache-Control", "no-cache"))
          .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
    });
  }

  /** The cursor: {@code Last-Event-ID} (a reconnecting EventSource) or {@code ?after}. */
  private static long after(Call call) {
    var lastEventId = call.header("Last-Event-ID");
    if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
      try {
        long value = Long.parseLong(lastEventId.get().trim());
        if (value >= 0) return value;
      } catch (NumberFormatException e) {
        // refused below
      }
      throw HttpProblemException.badRequest("Last-Event-ID", "Last-Event-ID must be a feed seq (a whole number)");
    }
    return call.queryLong("after", 0, 0, Long.MAX_VALUE);
  }

  static ByteString frame(FeedEvent event) {
    StringBuilder frame = new StringBuilder(256);
    if (event.seq() != null) frame.append("id: ").append(event.seq()).append('\n');
    frame.append("event: ").append(event.type().wire()).append('\n');
    frame.append("data: ").append(json(event)).append("\n\n");
    return ByteString.fromString(frame.toString());
  }

  private static ObjectNode page(List<FeedEvent> events, long after) {
    ObjectNode page = Json.MAPPER.createObjectNode();
    page.set("events", Json.MAPPER.valueToTree(events));
    long next = events.isEmpty() ? after : events.get(events.size() - 1).seq();
    page.put("nextAfter", next);
    return page;
  }

  private static String json(FeedEvent event) {
    try {
      return Json.MAPPER.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
