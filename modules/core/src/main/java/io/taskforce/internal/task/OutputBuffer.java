package io.taskforce.internal.task;

import io.taskforce.api.OutputChunk;
import java.nio.charset.StandardCharsets;

/**
 * The output of a running attempt: a bounded tail (a ring of bytes) with the byte offset of every
 * byte in the whole output. Written by executor threads, read by the entity; hence synchronized.
 * The ring starts small and doubles up to its capacity as output comes: most attempts write little,
 * and a running attempt must not cost the whole tail's bytes (1 MiB by default) before it writes.
 */
public final class OutputBuffer {
  private static final int INITIAL = 256;

  private final int capacity;
  private byte[] ring;
  private long end; // total bytes ever written; the ring holds [end - size, end)
  private int size;

  public OutputBuffer(int capacity) {
    this.capacity = Math.max(1, capacity);
    this.ring = new byte[Math.min(this.capacity, INITIAL)];
  }

  public void append(String text) {
    append(text.getBytes(StandardCharsets.UTF_8));
  }

  public synchronized void append(byte[] bytes) {
    growFor(size + (long) bytes.length);
    int from = Math.max(0, bytes.length - ring.length);
    for (int i = from; i < bytes.length; i++) {
      ring[(int) ((end + i) % ring.length)] = bytes[i];
    }
    end += bytes.length;
    size = (int) Math.min(ring.length, size + (long) bytes.length);
  }

  /** Makes the ring hold {@code wanted} bytes, up to its capacity, keeping what it holds in place. */
  private void growFor(long wanted) {
    if (wanted <= ring.length || ring.length == capacity) return;
    int length = ring.length;
    while (length < wanted && length < capacity) length = (int) Math.min(capacity, 2L * length);
    byte[] grown = new byte[length];
    for (long i = end - size; i < end; i++) grown[(int) (i % length)] = ring[(int) (i % ring.length)];
    ring = grown;
  }

  public synchronized OutputChunk read(long offset, int maxBytes) {
    return snapshot(Integer.MAX_VALUE).read(offset, maxBytes);
  }

  /** The last {@code maxBytes} bytes, with their offset, as kept in the final event. */
  public synchronized OutputTail tail(int maxBytes) {
    return snapshot(maxBytes);
  }

  private OutputTail snapshot(int maxBytes) {
    int length = Math.min(size, maxBytes);
    long start = end - length;
    byte[] copy = new byte[length];
    for (int i = 0; i < length; i++) {
      copy[i] = ring[(int) ((start + i) % ring.length)];
    }
    return new OutputTail(start, copy);
  }
}
