package io.taskforce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class DemoTest {
  private static final Pattern DATA_DIR = Pattern.compile("its H2 database is in (\\S+) \\(temporary\\)");

  @Test
  void demoTellsTheWholeStoryExitsZeroAndRemovesItsDatabase() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int status = Demo.run(new PrintStream(printed, true, StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    System.out.println(text); // into the test's output file, for whoever reads a failure
    List<String> lines = text.lines().toList();

    assertEquals(0, status, text);
    assertEquals(3, count(lines, " task.dispatched "), text);
    assertEquals(3, count(lines, " task.started "), text);
    assertEquals(1, count(lines, " task.paused "), text);
    assertEquals(1, count(lines, " task.resumed "), text);
    assertEquals(1, count(lines, " task.cancelled "), text);
    assertEquals(2, count(lines, " task.completed "), text);
    assertTrue(count(lines, "[live]     task.progress ") > 0, text);
    assertTrue(count(lines, "main session: still chatting with the user while ") > 0, text);
    assertTrue(text.contains("main session: every task ended as told"), text);

    // The list at the end: three tasks, as they ended.
    List<String> listed = lines.stream().filter(l -> l.startsWith("    t-")).toList();
    assertEquals(3, listed.size(), text);
    assertEquals(2, listed.stream().filter(l -> l.contains(" completed ")).count(), text);
    assertEquals(1, listed.stream().filter(l -> l.contains(" cancelled ")).count(), text);

    Matcher dataDir = DATA_DIR.matcher(text);
    assertTrue(dataDir.find(), text);
    assertFalse(Files.exists(Path.of(dataDir.group(1))), "the temporary database is gone");
    assertTrue(lines.get(lines.size() - 1).startsWith("demo finished in "), text);
  }

  private static long count(List<String> lines, String part) {
    return lines.stream().filter(l -> l.contains(part)).count();
  }
}
