package io.taskforce.examples;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output without the line {@code pekko-projection-jdbc} 1.0.0 prints there each time a
 * projection stops ({@code # stop org.apache.pekko.projection...}, a leftover {@code println} in
 * {@code JdbcRunningProjection.stop}), so that the demo's last lines stay readable. Everything
 * else passes, line by line.
 */
final class LibraryPrintlnFilter extends OutputStream {
  private static final byte[] DROPPED = "# stop org.apache.pekko.projection.".getBytes(StandardCharsets.UTF_8);

  private final OutputStream target;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  private LibraryPrintlnFilter(OutputStream target) {
    this.target = target;
  }

  /** Installs the filter as {@code System.out} (before Scala's Console captures it); answers the real stdout. */
  static PrintStream install() {
    PrintStream terminal = System.out;
    System.setOut(new PrintStream(new LibraryPrintlnFilter(terminal), true, StandardCharsets.UTF_8));
    return terminal;
  }

  @Override
  public synchronized void write(int b) throws java.io.IOException {
    line.write(b);
    if (b == '\n') endLine();
  }

  @Override
  public synchronized void flush() throws java.io.IOException {
    target.flush();
  }

  @Override
  public synchronized void close() throws java.io.IOException {
    if (line.size() > 0) endLine();
    target.flush();
  }

  private void endLine() throws java.io.IOException {
    byte[] bytes = line.toByteArray();
    line.reset();
    if (!startsWith(bytes, DROPPED)) {
      target.write(bytes);
      target.flush();
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) return false;
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) return false;
    }
    return true;
  }
}
