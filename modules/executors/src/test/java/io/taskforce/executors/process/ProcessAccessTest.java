package io.taskforce.executors.process;

import static io.taskforce.executors.process.ProcessNode.TENANT;
import static io.taskforce.executors.process.ProcessNode.await;
import static io.taskforce.executors.process.ProcessNode.command;
import static io.taskforce.executors.process.ProcessNode.failure;
import static io.taskforce.executors.process.ProcessNode.process;
import static io.taskforce.executors.process.ProcessNode.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.api.ForbiddenException;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Who may run what: the {@code process} input is checked field by field (400, naming the field),
 * only the configured tenants may use the executor and only the allowed executables (403). This
 * node lets tenants {@code default} and {@code partner} in, and only {@code bash} and
 * {@code /usr/bin/true}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProcessAccessTest {
  private ProcessNode node;

  @BeforeAll
  void start() {
    node = ProcessNode.start(ProcessNode.tempDir("taskforce-process-access-"), String.join("\n",
        "taskforce.executors.openai.enabled = off",
        "taskforce.executors.process.kill-grace = 2s",
        "taskforce.executors.process.tenants = [\"default\", \"partner\"]",
        "taskforce.executors.process.executables = [\"bash\", \"/usr/bin/true\"]"));
  }

  @AfterAll
  void stop() {
    if (node != null) node.close();
  }

  // ---- input validation

  @Test
  void commandThatIsNotAListIsRefusedNamingTheField() {
    ObjectNode input = ProcessNode.JSON.createObjectNode().put("command", "bash -c 'echo hi'");
    InvalidRequestException refused = refused(input);
    assertEquals("input.command", refused.field());
    assertTrue(refused.getMessage().contains("list"), refused.getMessage());
  }

  @Test
  void missingCommandIsRefusedNamingTheField() {
    InvalidRequestException refused = refused(ProcessNode.JSON.createObjectNode().put("cwd", "/tmp"));
    assertEquals("input.command", refused.field());
  }

  @Test
  void emptyCommandIsRefused() {
    InvalidRequestException refused = refused(command());
    assertEquals("input.command", refused.field());
    assertTrue(refused.getMessage().contains("empty"), refused.getMessage());
  }

  @Test
  void nonStringCommandItemsAreRefusedNamingTheItem() {
    ObjectNode input = command("bash", "-c");
    input.withArray("command").add(42);
    InvalidRequestException refused = refused(input);
    assertEquals("input.command[2]", refused.field());
    assertTrue(refused.getMessage().contains("strings"), refused.getMessage());
  }

  @Test
  void unknownInputFieldsAreRefusedAndAllListed() {
    ObjectNode input = command("bash", "-c", "true").put("shell", true).put("timeout", 3);
    InvalidRequestException refused = refused(input);
    assertTrue(refused.field().equals("input.shell") || refused.field().equals("input.timeout"), refused.field());
    assertTrue(refused.getMessage().contains("shell"), refused.getMessage());
    assertTrue(refused.getMessage().contains("timeout"), refused.getMessage());
  }

  @Test
  void workspaceOtherThanGitWorktreeIsRefused() {
    InvalidRequestException refused = refused(command("bash", "-c", "true").put("workspace", "docker").put("cwd", "/tmp"));
    assertEquals("input.workspace", refused.field());
    assertTrue(refused.getMessage().contains("git-worktree"), refused.getMessage());
  }

  @Test
  void gitWorktreeWithoutCwdIsRefused() {
    InvalidRequestException refused = refused(command("bash", "-c", "true").put("workspace", "git-worktree"));
    assertEquals("input.cwd", refused.field());
  }

  @Test
  void illTypedEnvAndCwdAreRefusedNamingTheField() {
    ObjectNode badEnv = command("bash", "-c", "true");
    badEnv.putObject("env").put("COUNT", 3);
    assertEquals("input.env.COUNT", refused(badEnv).field());
    ObjectNode badCwd = command("bash", "-c", "true");
    badCwd.putArray("cwd").add("/tmp");
    assertEquals("input.cwd", refused(badCwd).field());
  }

  @Test
  void aRefusedDispatchStoresNothing() {
    String taskId = unique("t");
    Throwable refused = failure(node.tf.dispatch(TENANT, unique("s"), process(command()).withId(taskId)));
    assertInstanceOf(InvalidRequestException.class, refused);
    assertInstanceOf(NotFoundException.class, failure(node.tf.task(TENANT, taskId)));
  }

  // ---- tenants and executables

  @Test
  void tenantNotListedIsForbidden() {
    Throwable refused = failure(node.tf.dispatch("stranger", unique("s"), process(command("bash", "-c", "id"))));
    assertInstanceOf(ForbiddenException.class, refused);
    assertTrue(refused.getMessage().contains("process"), refused.getMessage());
  }

  @Test
  void listedTenantRunsAllowedExecutables() {
    String session = unique("s");
    TaskView bash = await(node.tf.dispatch("partner", session, process(command("bash", "-c", "echo hi")))).task();
    TaskView trueByPath = await(node.tf.dispatch("partner", session, process(command("/usr/bin/true")))).task();
    for (TaskView task : new TaskView[] {bash, trueByPath}) {
      TaskView done = node.eventually(() -> {
        TaskView now = await(node.tf.task("partner", task.id()));
        assertEquals(TaskStatus.COMPLETED, now.status(), now::toString);
        return now;
      });
      assertEquals(0, done.result().path("exitCode").asInt());
    }
  }

  @Test
  void executablesAllowlistRefusesOtherExecutables() {
    String session = unique("s");
    for (ObjectNode input : new ObjectNode[] {
        command("sh", "-c", "echo hi"),
        command("/usr/bin/env", "bash", "-c", "echo hi"),
        command("python3", "-c", "print(1)"),
        // Only the absolute path is listed: the bare name is another executable (found on a PATH).
        command("true")}) {
      Throwable refused = failure(node.tf.dispatch(TENANT, session, process(input)));
      assertInstanceOf(ForbiddenException.class, refused, () -> input + " was not refused: " + refused);
    }
  }

  private InvalidRequestException refused(ObjectNode input) {
    Throwable refused = failure(node.tf.dispatch(TENANT, unique("s"), process(input)));
    return assertInstanceOf(InvalidRequestException.class, refused, () -> "expected a 400 for " + input + ": " + refused);
  }
}
