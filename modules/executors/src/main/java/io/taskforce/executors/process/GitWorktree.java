package io.taskforce.executors.process;

import io.taskforce.api.ErrorType;
import io.taskforce.spi.AttemptContext;
import io.taskforce.spi.TaskFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fresh git worktree for one attempt, on a branch of its own, so that several subagents can
 * change one repository at once. The worktree and its branch stay after the attempt: the branch
 * is the work, named in the task's result (remove it with {@code git worktree remove}).
 */
record GitWorktree(Path dir, String branch) {

  static GitWorktree create(Path repository, Path worktrees, AttemptContext context) throws Exception {
    String name = safe(context.tenant()) + "-" + safe(context.taskId()) + "-" + context.attempt();
    String branch = "taskforce/" + safe(context.taskId()) + "/attempt-" + context.attempt();
    Path dir = worktrees.resolve(name).toAbsolutePath();
    Files.createDirectories(worktrees);
    git(repository, "rev-parse", "--is-inside-work-tree");
    git(repository, "worktree", "add", "-b", branch, dir.toString());
    return new GitWorktree(dir, branch);
  }

  private static void git(Path repository, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-C", repository.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new TaskFailure(ErrorType.EXECUTOR, "git " + String.join(" ", args) + " failed in " + repository
          + ": " + new String(output, StandardCharsets.UTF_8).strip());
    }
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9._-]", "_");
  }

}
