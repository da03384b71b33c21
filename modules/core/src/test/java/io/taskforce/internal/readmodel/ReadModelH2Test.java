package io.taskforce.internal.readmodel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The read model on the embedded default: an H2 file database in a fresh data directory. */
class ReadModelH2Test extends ReadModelScenario {
  private Path dataDir;

  @Override
  Config databaseConfig() throws IOException {
    dataDir = Files.createTempDirectory("tf-readmodel-h2-");
    return ConfigFactory.empty()
        .withValue("taskforce.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()));
  }

  @Override
  void cleanUpDatabase() throws IOException {
    if (dataDir == null) return;
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
