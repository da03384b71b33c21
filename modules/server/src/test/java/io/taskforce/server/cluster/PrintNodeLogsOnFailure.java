package io.taskforce.server.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * When a cluster test fails (or its cluster cannot start), the tail of every node log of the test
 * class is printed, so the failure can be diagnosed from the build's output; the whole logs stay
 * under {@code target/cluster/<TestClass>/}.
 */
final class PrintNodeLogsOnFailure implements TestWatcher, LifecycleMethodExecutionExceptionHandler {
  private static final int LINES = 80;

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    print(context, context.getDisplayName() + " failed: " + cause);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    print(context, "@BeforeAll failed: " + throwable);
    throw throwable;
  }

  @Override
  public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    print(context, "@AfterAll failed: " + throwable);
    throw throwable;
  }

  private static void print(ExtensionContext context, String why) {
    Optional<Class<?>> testClass = context.getTestClass();
    if (testClass.isEmpty()) return;
    Path dir = TestCluster.classDir(testClass.get());
    StringBuilder text = new StringBuilder("\n===== " + testClass.get().getSimpleName() + ": " + why
        + "\n===== node logs (last " + LINES + " lines each; whole logs in " + dir + ")\n");
    try (var walk = Files.walk(dir)) {
      for (Path log : walk.filter(p -> p.getFileName().toString().matches("node(\\.\\d+)?\\.log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        text.append("----- ").append(dir.relativize(log)).append(" (").append(lines.size()).append(" lines)\n");
        lines.subList(Math.max(0, lines.size() - LINES), lines.size()).forEach(l -> text.append(l).append('\n'));
      }
    } catch (IOException e) {
      text.append("(no logs: ").append(e).append(")\n");
    }
    System.out.println(text);
    System.out.flush();
  }
}
