package io.taskforce.internal.feed;

import io.taskforce.api.FeedEvent;
import io.taskforce.internal.session.SessionEntity;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.session.SessionReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * Reads a session's feed: the durable part from the session's own events in the journal, the live
 * part from its pub-sub topic. A subscriber subscribes to the live topic first, then replays from
 * the journal, drops what it has seen by number, and re-reads the journal when it sees a gap or,
 * now and then, when the session says it has numbered more than the subscriber has seen (which
 * covers a live event lost while the subscription was still spreading through the cluster).
 */
public final class FeedReader {
  private static final int LIVE_BUFFER = 10_000;

  private final ActorSystem<?> system;
  private final ActorRef<FeedTopics.Command> topics;
  private final JdbcReadJournal journal;
  private final Duration catchUpInterval;

  public FeedReader(ActorSystem<?> system, ActorRef<FeedTopics.Command> topics, String queryPluginId,
      Duration catchUpInterval) {
    this.system = system;
    this.topics = topics;
    this.journal = PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, queryPluginId);
    this.catchUpInterval = catchUpInterval;
  }

  /** The durable events after {@code afterSeq}, at most {@code max}, as the journal has them now. */
  public CompletionStage<List<FeedEvent>> read(SessionReply.FeedPosition position, long afterSeq, int max) {
    return durable(position.persistenceId(), position.fromJournalSeqNr(), afterSeq)
        .take(max)
        .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), system);
  }

  /**
   * Replay after {@code afterSeq}, then live, with no gap and no duplicate. {@code locate} asks the
   * session where its feed is (and how far it is numbered).
   */
  public Source<FeedEvent, NotUsed> subscribe(
      String sessionKey, long afterSeq, Function<Long, CompletionStage<SessionReply.FeedPosition>> locate) {
    return Source.<FeedEvent, NotUsed>fromMaterializer((materializer, attributes) -> {
      var live = ActorSource.<FeedEvent>actorRef(
              m -> false, m -> java.util.Optional.empty(), LIVE_BUFFER, OverflowStrategy.fail())
          .preMaterialize(materializer);
      topics.tell(new FeedTopics.Subscribe(sessionKey, live.first()));
      AtomicLong seen = new AtomicLong(afterSeq);
      Source<Object, NotUsed> catchUpTicks =
          Source.tick(catchUpInterval, catchUpInterval, (Object) CatchUp.INSTANCE).mapMaterializedValue(c -> NotUsed.getInstance());
      Source<Object, NotUsed> replayThenLive =
          Source.<Object>single(CatchUp.INSTANCE).concat(live.second().<Object>map(e -> e).merge(catchUpTicks));
      return replayThenLive.flatMapConcat(item -> {
        if (item instanceof CatchUp) return readAfter(seen, locate);
        FeedEvent event = (FeedEvent) item;
        if (!event.durable()) return Source.single(event);
        if (event.seq() <= seen.get()) return Source.<FeedEvent>empty();
        if (event.seq() == seen.get() + 1) {
          seen.set(event.seq());
          return Source.single(event);
        }
        return readAfter(seen, locate); // a gap: the journal has what is missing, and this one
      });
    }).mapMaterializedValue(f -> NotUsed.getInstance());
  }

  private Source<FeedEvent, NotUsed> readAfter(
      AtomicLong seen, Function<Long, CompletionStage<SessionReply.FeedPosition>> locate) {
    long after = seen.get();
    return Source.completionStageSource(
            locate.apply(after)
                .thenApply(position -> position.lastEventSeq() <= after
                    ? Source.<FeedEvent>empty()
                    : durable(position.persistenceId(), position.fromJournalSeqNr(), after))
                // A session that does not exist yet has nothing to replay; its first dispatch
                // creates it, and the live topic and the next catch-up bring its events.
                .exceptionally(failure -> notFound(failure) ? Source.<FeedEvent>empty() : rethrow(failure)))
        .mapMaterializedValue(m -> NotUsed.getInstance())
        .filter(e -> e.seq() > seen.get())
        .map(e -> {
          seen.set(e.seq());
          return e;
        });
  }

  private Source<FeedEvent, NotUsed> durable(String persistenceId, long fromSeqNr, long afterSeq) {
    return journal
        .currentEventsByPersistenceId(persistenceId, fromSeqNr, Long.MAX_VALUE)
        .map(envelope -> envelope.event())
        .filter(event -> event instanceof SessionEvent.ReportApplied applied && applied.feedSeq() > afterSeq)
        .map(event -> SessionEntity.toFeedEvent((SessionEvent.ReportApplied) event));
  }

  private static boolean notFound(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return cause instanceof io.taskforce.api.NotFoundException;
  }

  private static <T> T rethrow(Throwable failure) {
    if (failure instanceof RuntimeException runtime) throw runtime;
    throw new java.util.concurrent.CompletionException(failure);
  }

  private enum CatchUp {
    INSTANCE
  }
}
