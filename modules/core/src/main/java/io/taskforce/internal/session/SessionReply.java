package io.taskforce.internal.session;

import io.taskforce.api.SessionView;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.Refusal;

public sealed interface SessionReply extends JsonSerializable {
  record View(SessionView session, boolean created) implements SessionReply {}

  /** Where to read the journal from to replay the feed after a cursor. */
  record FeedPosition(String persistenceId, long fromJournalSeqNr, long lastEventSeq)
      implements SessionReply {}

  record Refused(Refusal reason, String message) implements SessionReply {}
}
