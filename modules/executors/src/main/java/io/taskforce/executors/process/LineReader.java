package io.taskforce.executors.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads a stream to its end on its own thread: every byte goes to {@code raw} (the captured
 * output), and each line, decoded leniently, to {@code lines}. Binary data and very long lines
 * cannot break it: a line is cut at {@code maxLineBytes}, and bad UTF-8 becomes U+FFFD.
 */
final class LineReader {
  interface RawSink {
    void accept(byte[] bytes, int offset, int length);
  }

  private LineReader() {}

  static void readAll(InputStream in, int maxLineBytes, RawSink raw, Consumer<String> lines) throws IOException {
    byte[] chunk = new byte[8192];
    byte[] line = new byte[Math.min(maxLineBytes, 8192)];
    int lineLength = 0;
    int read;
    while ((read = in.read(chunk)) != -1) {
      raw.accept(chunk, 0, read);
      for (int i = 0; i < read; i++) {
        byte b = chunk[i];
        if (b == '\n' || lineLength == maxLineBytes) {
          lines.accept(decode(line, lineLength));
          lineLength = 0;
          if (b == '\n') continue;
        }
        if (lineLength == line.length) line = Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
        line[lineLength++] = b;
      }
    }
    if (lineLength > 0) lines.accept(decode(line, lineLength));
  }

  private static String decode(byte[] bytes, int length) {
    int end = length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }
}
