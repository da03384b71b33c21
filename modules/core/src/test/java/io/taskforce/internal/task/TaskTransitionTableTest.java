package io.taskforce.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.api.TaskStatus;
import io.taskforce.internal.Refusal;
import io.taskforce.internal.task.TaskCommand.*;
import io.taskforce.internal.task.TaskEvent.*;
import io.taskforce.internal.task.TaskState.*;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cell of the task's request table (docs/task-transitions.md): each state × each request
 * command. An allowed transition persists its one event and answers with the new status; a refused
 * one answers 409 naming the current status and persists nothing.
 */
class TaskTransitionTableTest extends TaskEntityFixture {

  enum Verb { CREATE_SAME, CREATE_OTHER, GET, PAUSE, RESUME, CANCEL, ANSWER }

  /**
   * {@code =}: answered with the task as it is, nothing persisted. {@code 409}: refused with
   * CONFLICT naming the current status, nothing persisted. {@code Event>status}: the event
   * persisted and the status answered.
   */
  static final String TABLE = """
      state                      | create-same | create-other | get | pause         | resume                 | cancel              | answer
      pending                    | =           | 409          | =   | Paused>paused | 409                    | Cancelled>cancelled | 409
      running                    | =           | 409          | =   | Paused>paused | 409                    | Cancelled>cancelled | 409
      input_required             | =           | 409          | =   | Paused>paused | 409                    | Cancelled>cancelled | Answered>running
      paused_from_pending        | =           | 409          | =   | 409           | Resumed>pending        | Cancelled>cancelled | 409
      paused_from_running        | =           | 409          | =   | 409           | Resumed>running        | Cancelled>cancelled | 409
      paused_from_input_required | =           | 409          | =   | 409           | Resumed>input_required | Cancelled>cancelled | 409
      completed                  | =           | 409          | =   | 409           | 409                    | 409                 | 409
      failed                     | =           | 409          | =   | 409           | 409                    | 409                 | 409
      cancelled                  | =           | 409          | =   | 409           | 409                    | 409                 | 409
      """;

  static Stream<Arguments> transitionTable() {
    List<Arguments> cells = new ArrayList<>();
    List<String> rows = TABLE.lines().skip(1).toList();
    for (String row : rows) {
      String[] columns = row.split("\\|");
      From from = From.valueOf(columns[0].trim().toUpperCase());
      for (Verb verb : Verb.values()) {
        String cell = columns[verb.ordinal() + 1].trim();
        String verbName = verb.name().toLowerCase().replace('_', '-');
        String behavior = switch (cell) {
          case "=" -> from.phrase() + " task answers " + verbName + " with itself, persisting nothing";
          case "409" -> from.phrase() + " task refuses " + verbName + " with 409 conflict, persisting nothing";
          default -> from.phrase() + " task accepts " + verbName + ": persists " + cell.replace(">", ", becomes ");
        };
        cells.add(Arguments.of(behavior, from, verb, cell));
      }
    }
    return cells.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transitionTable")
  void transitionTableCell(String behavior, From from, Verb verb, String cell) throws Exception {
    bringTo(from);
    TaskState before = task.getState();
    assertEquals(from.status, ((CreatedTask) before).status());

    var result = task.<TaskReply>runCommand(replyTo -> request(verb, replyTo));

    switch (cell) {
      case "=" -> {
        var view = result.replyOfType(TaskReply.View.class);
        assertEquals(from.status, view.task().status());
        assertEquals(verb == Verb.CREATE_SAME, view.repeated());
        assertTrue(result.hasNoEvents(), () -> "persisted " + result.events());
        assertEquals(before, result.state());
      }
      case "409" -> {
        var refused = result.replyOfType(TaskReply.Refused.class);
        assertEquals(Refusal.CONFLICT, refused.reason());
        assertEquals(refusal(verb, from.status), refused.message());
        assertTrue(result.hasNoEvents(), () -> "persisted " + result.events());
        assertEquals(before, result.state());
      }
      default -> {
        String[] parts = cell.split(">");
        Class<?> eventClass = Class.forName(TaskEvent.class.getName() + "$" + parts[0]);
        TaskStatus status = TaskStatus.fromWire(parts[1]);
        assertEquals(1, result.events().size(), () -> "persisted " + result.events());
        assertInstanceOf(eventClass, result.event());
        assertEquals(status, result.replyOfType(TaskReply.View.class).task().status());
        assertEquals(status, ((CreatedTask) result.state()).status());
        TaskReport report = awaitReport(reportKindOf(parts[0]));
        assertEquals(status, report.status());
      }
    }
  }

  private TaskCommand request(Verb verb, ActorRef<TaskReply> replyTo) {
    return switch (verb) {
      case CREATE_SAME -> new Create(data(spec), replyTo);
      case CREATE_OTHER -> new Create(data(spec.withTitle("another title")), replyTo);
      case GET -> new Get(replyTo);
      case PAUSE -> new Pause(replyTo);
      case RESUME -> new Resume(replyTo);
      case CANCEL -> new Cancel("no longer needed", replyTo);
      case ANSWER -> new Answer("use main", replyTo);
    };
  }

  private String refusal(Verb verb, TaskStatus status) {
    return switch (verb) {
      case CREATE_OTHER -> "task " + taskId + " exists with another spec or session";
      case ANSWER -> "cannot answer: task is " + status.wire() + ", not input_required";
      default -> "cannot " + verb.name().toLowerCase() + ": task is " + status.wire();
    };
  }

  private static ReportKind reportKindOf(String event) {
    return switch (event) {
      case "Paused" -> ReportKind.PAUSED;
      case "Resumed" -> ReportKind.RESUMED;
      case "Cancelled" -> ReportKind.CANCELLED;
      case "Answered" -> ReportKind.ANSWERED;
      default -> throw new IllegalArgumentException(event);
    };
  }
}
