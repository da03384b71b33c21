package io.taskforce.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The HTTP layer speaks to the facade and the API records only, never to the core's internals. */
class LayeringTest {

  @Test
  void noHttpSourceUsesTheCoresInternals() throws IOException {
    Path sources = Path.of("src/main/java");
    List<Path> javaFiles;
    try (Stream<Path> files = Files.walk(sources)) {
      javaFiles = files.filter(f -> f.toString().endsWith(".java")).toList();
    }
    assertTrue(javaFiles.size() > 5, "the HTTP sources were not found under " + sources.toAbsolutePath());
    List<String> offenders = javaFiles.stream()
        .filter(f -> read(f).contains("io.taskforce.internal"))
        .map(Path::toString)
        .toList();
    assertEquals(List.of(), offenders, "these use io.taskforce.internal.*");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
