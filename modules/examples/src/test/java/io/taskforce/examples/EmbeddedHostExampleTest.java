package io.taskforce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.spi.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EmbeddedHostExampleTest {

  @Test
  void hostRunsItsOwnExecutorOnItsOwnSystemAndHearsEveryEvent(@TempDir Path dataDir) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    EmbeddedHostExample.Report report =
        EmbeddedHostExample.run(dataDir, 0, new PrintStream(printed, true, StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    System.out.println(text); // into the test's output file, for whoever reads a failure

    assertEquals(EmbeddedHostExample.TEXTS.size(), report.tasks().size(), text);
    for (TaskView task : report.tasks()) {
      assertEquals(TaskStatus.COMPLETED, task.status(), text);
      assertEquals(EmbeddedHostExample.EXECUTOR, task.executor());
      assertTrue(task.result().path("words").asInt() > 10, () -> "result " + task.result());
      assertTrue(task.result().path("summary").asText().endsWith("..."), () -> "result " + task.result());
      assertEquals(100, task.progress().percent(), () -> "progress " + task.progress());

      List<FeedEvent> ofTask = report.events().stream().filter(e -> e.taskId().equals(task.id())).toList();
      assertEquals(
          List.of(FeedEventType.DISPATCHED, FeedEventType.STARTED, FeedEventType.COMPLETED),
          ofTask.stream().filter(FeedEvent::durable).map(FeedEvent::type).toList(), text);
      assertTrue(ofTask.stream().anyMatch(e -> e.type() == FeedEventType.PROGRESS), "live progress arrived: " + text);
      FeedEvent completed = ofTask.get(ofTask.size() - 1);
      assertEquals(FeedEventType.COMPLETED, completed.type(), text);
      assertEquals("host example", completed.context().path("askedBy").asText(), "the final event echoes the context");
      assertEquals(task.result(), completed.result());
    }
    List<Long> seqs = report.events().stream().filter(FeedEvent::durable).map(FeedEvent::seq).toList();
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seqs.stream().sorted().toList(), "one number per event, no gap");
    assertTrue(text.contains("host: dispatched "), text);
    assertTrue(Files.exists(dataDir.resolve("taskforce.mv.db")), "the H2 database is in the host's data dir");
  }

  @Test
  void summarizeRefusesInputWithoutText() {
    var executor = new SummarizeExecutor();
    var missing = JsonNodeFactory.instance.objectNode();
    assertEquals("text", assertThrows(InvalidInputException.class, () -> executor.validate(missing)).field());
    var tooManySteps = JsonNodeFactory.instance.objectNode().put("text", "a b c").put("steps", 1000);
    assertEquals("steps", assertThrows(InvalidInputException.class, () -> executor.validate(tooManySteps)).field());
  }
}
