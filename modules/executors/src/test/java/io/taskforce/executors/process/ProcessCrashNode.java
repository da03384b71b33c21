package io.taskforce.executors.process;

import io.taskforce.api.ErrorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * A node in a JVM of its own for {@link ProcessCrashTest}, which kills it with SIGKILL:
 * {@code <dataDir> <workDir> <taskId>} starts the node, dispatches one {@code survive-crash.sh}
 * task (two attempts, retried on node-lost), writes {@code <workDir>/ready} once the task's
 * processes run, and waits to be killed.
 */
public final class ProcessCrashNode {
  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    Path workDir = Path.of(args[1]);
    ProcessNode node = ProcessNode.start(dataDir, ProcessCrashTest.OVERRIDES);
    node.dispatch(ProcessCrashTest.SESSION, ProcessNode.process(ProcessNode.bash("survive-crash.sh", workDir.toString()))
        .withId(args[2])
        .withRetries(2, Set.of(ErrorType.NODE_LOST)));
    node.awaitPid(workDir.resolve("pid-1"));
    node.awaitPid(workDir.resolve("grandchild-1"));
    Files.writeString(workDir.resolve("ready"), "ready");
    new CountDownLatch(1).await();
  }
}
