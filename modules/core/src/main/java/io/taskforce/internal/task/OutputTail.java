package io.taskforce.internal.task;

import io.taskforce.api.OutputChunk;
import io.taskforce.internal.JsonSerializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The last bytes of an attempt's output, kept in the final event so that the output can still be
 * read after the task ended and after restarts. {@code start} is the byte offset of {@code bytes}
 * in the whole output.
 */
public record OutputTail(long start, byte[] bytes) implements JsonSerializable {
  public static final OutputTail EMPTY = new OutputTail(0, new byte[0]);

  public OutputTail {
    bytes = bytes == null ? new byte[0] : bytes;
  }

  public long end() {
    return start + bytes.length;
  }

  /** The bytes from {@code offset} on, at most {@code max} of them. */
  public OutputChunk read(long offset, int max) {
    long from = Math.max(offset, start);
    boolean truncated = offset < start;
    if (from >= end()) return new OutputChunk(Math.min(from, end()), end(), "", truncated);
    int index = (int) (from - start);
    int length = Math.min(max, bytes.length - index);
    String data =
        new String(Arrays.copyOfRange(bytes, index, index + length), StandardCharsets.UTF_8);
    return new OutputChunk(from, from + length, data, truncated);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OutputTail other && other.start == start && Arrays.equals(other.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(start) * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "OutputTail[start=" + start + ", length=" + bytes.length + "]";
  }
}
