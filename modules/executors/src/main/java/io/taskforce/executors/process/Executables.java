package io.taskforce.executors.process;

import io.taskforce.api.ErrorType;
import io.taskforce.spi.TaskFailure;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a command's program the way a shell would, but on the server's PATH only. */
final class Executables {
  private Executables() {}

  /** The absolute path of {@code command} (a name, or a path relative to {@code workDir}). */
  static String resolve(String command, Path workDir) throws TaskFailure {
    if (command.contains("/")) {
      Path path = workDir.resolve(command).normalize();
      if (Files.isRegularFile(path) && Files.isExecutable(path)) return path.toString();
      throw new TaskFailure(ErrorType.EXECUTOR, "no executable file " + path);
    }
    String searchPath = System.getenv("PATH");
    if (searchPath != null) {
      for (String dir : searchPath.split(File.pathSeparator)) {
        if (dir.isEmpty()) continue;
        Path candidate = Path.of(dir, command);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate.toString();
      }
    }
    throw new TaskFailure(ErrorType.EXECUTOR, "'" + command + "' is not found on the server's PATH");
  }
}
