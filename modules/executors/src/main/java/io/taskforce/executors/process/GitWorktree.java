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
    String base = "taskforce/" + safe(context.tenant()) + "/" + safe(context.taskId()) + "/attempt-" + context.attempt();
    Files.createDirectories(worktrees);
    git(repository, "rev-parse", "--is-inside-work-tree");
    // An attempt re-run after a clean shutdown keeps its number: its earlier branch stays, and
    // this run gets the next free name.
    for (int run = 1; run < 100; run++) {
      String branch = run == 1 ? base : base + "-run" + run;
      Path dir = worktrees.resolve(branch.substring("taskforce/".length()).replace('/', '-')).toAbsolutePath();
      if (exists(repository, branch) || Files.exists(dir)) continue;
      git(repository, "worktree", "add", "-b", branch, dir.toString());
      return new GitWorktree(dir, branch);
    }
    throw new TaskFailure(ErrorType.EXECUTOR, "no free worktree branch name under " + base);
  }

  private static boolean exists(Path repository, String branch) throws Exception {
    Process process = new ProcessBuilder("git", "-C", repository.toString(), "rev-parse", "--verify", "--quiet",
        "refs/heads/" + branch).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
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
