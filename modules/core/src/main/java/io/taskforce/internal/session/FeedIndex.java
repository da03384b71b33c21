package io.taskforce.internal.session;

import io.taskforce.internal.JsonSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where in the session's journal its feed events are, sparsely: pairs of (feed seq, journal
 * sequence number) taken every {@code stride} feed events. A replay starts reading the journal at
 * the closest pair below its cursor. When the index is full it keeps every other pair and doubles
 * its stride, so it stays small however long the session lives.
 */
public record FeedIndex(long stride, List<Long> feedSeqs, List<Long> journalSeqNrs)
    implements JsonSerializable {
  static final int MAX_ENTRIES = 512;
  static final FeedIndex EMPTY = new FeedIndex(64, List.of(), List.of());

  public FeedIndex {
    feedSeqs = List.copyOf(feedSeqs);
    journalSeqNrs = List.copyOf(journalSeqNrs);
  }

  FeedIndex record(long feedSeq, long journalSeqNr) {
    if ((feedSeq - 1) % stride != 0) return this;
    var seqs = new ArrayList<>(feedSeqs);
    var nrs = new ArrayList<>(journalSeqNrs);
    seqs.add(feedSeq);
    nrs.add(journalSeqNr);
    long newStride = stride;
    if (seqs.size() > MAX_ENTRIES) {
      newStride = stride * 2;
      var keptSeqs = new ArrayList<Long>();
      var keptNrs = new ArrayList<Long>();
      for (int i = 0; i < seqs.size(); i++) {
        if ((seqs.get(i) - 1) % newStride == 0) {
          keptSeqs.add(seqs.get(i));
          keptNrs.add(nrs.get(i));
        }
      }
      seqs = keptSeqs;
      nrs = keptNrs;
    }
    return new FeedIndex(newStride, seqs, nrs);
  }

  /** A journal sequence number at or before the first feed event after {@code afterFeedSeq}. */
  public long journalSeqNrFor(long afterFeedSeq) {
    long from = 1;
    for (int i = 0; i < feedSeqs.size() && feedSeqs.get(i) <= afterFeedSeq + 1; i++) {
      from = journalSeqNrs.get(i);
    }
    return from;
  }
}
