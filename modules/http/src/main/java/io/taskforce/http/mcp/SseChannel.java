package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One Server-Sent Events stream to the client (the answer to a POST, or the GET stream): each
 * JSON-RPC message is one {@code message} event; comments keep the connection alive. No event
 * ids are sent, so clients do not try to resume a stream (the server does not replay them).
 */
final class SseChannel {
  private static final int BUFFER = 256;
  private static final ByteString KEEP_ALIVE = ByteString.fromString(": keep-alive\n\n");

  private final BoundedSourceQueue<ByteString> queue;
  private final Source<ByteString, NotUsed> source;
  private final CompletableFuture<Done> terminated = new CompletableFuture<>();

  private SseChannel(ActorSystem<?> system, Duration keepAlive) {
    Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> pair =
        Source.<ByteString>queue(BUFFER).preMaterialize(system);
    this.queue = pair.first();
    this.source = pair.second()
        .keepAlive(keepAlive, () -> KEEP_ALIVE)
        .watchTermination((notUsed, done) -> {
          done.whenComplete((d, failure) -> terminated.complete(Done.getInstance()));
          return notUsed;
        });
  }

  static SseChannel open(ActorSystem<?> system, Duration keepAlive) {
    return new SseChannel(system, keepAlive);
  }

  /** The bytes of the stream, for the response entity (run once). */
  Source<ByteString, NotUsed> source() {
    return source;
  }

  /** Sends one message; false when the stream is gone or its buffer is full. */
  boolean send(JsonNode message) {
    if (terminated.isDone()) return false;
    QueueOfferResult result = queue.offer(ByteString.fromString("event: message\ndata: " + JsonRpc.write(message) + "\n\n"));
    return result == QueueOfferResult.enqueued();
  }

  /** Ends the stream once what was sent has been written. */
  void complete() {
    queue.complete();
  }

  boolean isOpen() {
    return !terminated.isDone();
  }

  /** Completes when the stream ended: completed by the server, or the client went away. */
  CompletionStage<Done> terminated() {
    return terminated;
  }
}
