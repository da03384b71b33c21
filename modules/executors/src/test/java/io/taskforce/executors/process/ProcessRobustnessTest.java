package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.await;
import static io.taskforce.executors.process.ProcessNode.command;
import static io.taskforce.executors.process.ProcessNode.failure;
import static io.taskforce.executors.process.ProcessNode.process;
import static io.taskforce.executors.process.ProcessNode.tempDir;
import static io.taskforce.executors.process.ProcessNode.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.api.ErrorType;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What once broke the process executor: floods of lines, half characters, big stdin, lookups. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessRobustnessTest {
  private ProcessNode node;

  @BeforeAll
  void start() {
    node = ProcessNode.start(tempDir("taskforce-robust-"), String.join("\n",
        "taskforce.executors.openai.enabled = off",
        "taskforce.executors.process.kill-grace = 2s",
        "taskforce.executors.process.hidden-env = [\"HOME\"]"));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void aFloodOfShortLinesDoesNotDropTheEndOfTheAttempt() {
    // 10,000 lines within milliseconds: the entity hears coalesced progress, not every line.
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c", "yes | head -c 20000; echo end")));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED, Duration.ofSeconds(30));
    assertEquals("end", done.progress().message());
  }

  @Test
  void aLongLineWithAnEmojiAtTheCutCompletes() {
    String line = "a".repeat(198) + "\uD83D\uDE00" + "b".repeat(20);
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c", "echo '" + line + "'")));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertTrue(done.progress().message().startsWith("a".repeat(198)));
  }

  @Test
  void aLargeStdinDoesNotDeadlockWithTheOutput() {
    String stdin = "x".repeat(300 * 1024);
    TaskView task = node.dispatch(unique("s"), process(command("cat").put("stdin", stdin)));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED, Duration.ofSeconds(30));
    assertEquals(0, done.result().path("exitCode").asInt());
  }

  @Test
  void aMissingExecutableFailsAsAnExecutorErrorNotAnExit() {
    TaskView task = node.dispatch(unique("s"), process(command("no-such-program-" + unique("x"))));
    TaskView failed = node.awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    assertTrue(failed.error().message().contains("not found on the server's PATH"), failed.error().message());
  }

  @Test
  void theServersSecretsAndHiddenVariablesAreNotInherited() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c",
        "echo \"home=${HOME:-unset} result=${TASKFORCE_RESULT:+set}\"")));
    String out = node.awaitStatus(task.id(), TaskStatus.COMPLETED).result().path("stdoutTail").asText();
    assertEquals("home=unset result=set\n", out);
  }

  @Test
  void aQuestionOfATaskWhoseStdinWasGivenIsNotAsked() {
    TaskView task = node.dispatch(unique("s"), process(command("bash", "-c",
        "echo '::ask may I?'; read a || true; echo \"got:$a\"").put("stdin", "")));
    TaskView done = node.awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertTrue(done.result().path("stdoutTail").asText().contains("got:"));
    String output = await(node.tf.output(ProcessNode.TENANT, task.id(), 0)).data();
    assertTrue(output.contains("::ask ignored"), output);
  }

  @Test
  void withAnAllowlistATaskMayNotSetVariablesThatLoadOtherCode() {
    ProcessNode restricted = ProcessNode.start(tempDir("taskforce-allow-"), String.join("\n",
        "taskforce.executors.openai.enabled = off",
        "taskforce.executors.process.executables = [\"bash\"]"));
    try {
      for (String name : new String[] {"PATH", "LD_PRELOAD", "BASH_ENV", "NODE_OPTIONS"}) {
        var input = command("bash", "-c", "true");
        input.putObject("env").put(name, "/tmp/evil");
        Throwable refused = failure(restricted.tf.dispatch(ProcessNode.TENANT, unique("s"), process(input)));
        assertInstanceOf(InvalidRequestException.class, refused);
        assertEquals("input.env." + name, ((InvalidRequestException) refused).field());
      }
      var fine = command("bash", "-c", "echo $GREETING");
      fine.putObject("env").put("GREETING", "hi");
      TaskView task = restricted.dispatch(unique("s"), process(fine));
      assertFalse(restricted.awaitStatus(task.id(), TaskStatus.COMPLETED).result().isNull());
    } finally {
      restricted.close();
    }
  }
}
