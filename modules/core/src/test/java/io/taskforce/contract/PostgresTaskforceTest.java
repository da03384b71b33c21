package io.taskforce.contract;

import com.typesafe.config.Config;
import io.taskforce.testing.TestConfigs;

/** The facade's contract on PostgreSQL (127.0.0.1:5432), in a database of its own. */
class PostgresTaskforceTest extends TaskforceContract {
  private final String database = TestConfigs.createPostgresDatabase("taskforce_contract");

  @Override
  protected Config config() {
    return TestConfigs.postgres(database, TestConfigs.freshDataDir(), "taskforce.node.max-running = 3");
  }

  @Override
  protected void afterStop() {
    TestConfigs.dropPostgresDatabase(database);
  }
}
