package io.taskforce.internal.output;

import static org.junit.jupiter.api.Assertions.*;

import io.taskforce.api.OutputChunk;
import io.taskforce.internal.task.OutputBuffer;
import io.taskforce.internal.task.OutputTail;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputBufferTest {

  @Test
  void keepsEveryByteWithItsOffsetWhileItFits() {
    OutputBuffer buffer = new OutputBuffer(64);
    buffer.append("hello ");
    buffer.append("world\n");
    OutputChunk all = buffer.read(0, 1000);
    assertEquals("hello world\n", all.data());
    assertEquals(0, all.offset());
    assertEquals(12, all.nextOffset());
    assertFalse(all.truncated());
    OutputChunk rest = buffer.read(6, 1000);
    assertEquals("world\n", rest.data());
    assertEquals(12, buffer.read(12, 10).nextOffset());
    assertEquals("", buffer.read(12, 10).data());
  }

  @Test
  void keepsABoundedTailAndSaysWhatWasLost() {
    OutputBuffer buffer = new OutputBuffer(10);
    buffer.append("0123456789");
    buffer.append("abcde");
    OutputChunk chunk = buffer.read(0, 100);
    assertTrue(chunk.truncated());
    assertEquals(5, chunk.offset());
    assertEquals("56789abcde", chunk.data());
    assertEquals(15, chunk.nextOffset());
  }

  @Test
  void aWriteLongerThanTheBufferKeepsItsLastBytesAtTheRightOffsets() {
    OutputBuffer buffer = new OutputBuffer(4);
    buffer.append("ab");
    buffer.append("cdefghij");
    OutputChunk chunk = buffer.read(0, 100);
    assertEquals(6, chunk.offset());
    assertEquals("ghij", chunk.data());
    assertEquals(10, chunk.nextOffset());
    buffer.append("k");
    assertEquals("hijk", buffer.read(0, 100).data());
  }

  @Test
  void theTailKeptAtTheEndIsReadLikeTheBuffer() {
    OutputBuffer buffer = new OutputBuffer(100);
    buffer.append("line one\nline two\n");
    OutputTail tail = buffer.tail(9);
    assertEquals(9, tail.start());
    assertEquals("line two\n", new String(tail.bytes(), StandardCharsets.UTF_8));
    assertEquals("two\n", tail.read(14, 100).data());
    assertTrue(tail.read(0, 100).truncated());
    assertEquals(18, tail.read(50, 100).nextOffset());
  }

  @Test
  void binaryBytesDoNotBreakReading() {
    OutputBuffer buffer = new OutputBuffer(16);
    buffer.append(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 65});
    OutputChunk chunk = buffer.read(0, 100);
    assertEquals(4, chunk.nextOffset());
    assertTrue(chunk.data().endsWith("A"));
  }

  @Test
  void growsAsOutputComesAndStillKeepsTheRightTail() {
    OutputBuffer buffer = new OutputBuffer(1000);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      String line = "line " + i + "\n";
      buffer.append(line);
      all.append(line);
      String expected = all.length() <= 1000 ? all.toString() : all.substring(all.length() - 1000);
      var tail = buffer.tail(Integer.MAX_VALUE);
      assertEquals(all.length() - expected.length(), tail.start());
      assertEquals(expected, new String(tail.bytes(), StandardCharsets.UTF_8));
    }
  }
}
