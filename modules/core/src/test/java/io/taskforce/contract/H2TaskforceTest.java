package io.taskforce.contract;

import com.typesafe.config.Config;
import io.taskforce.testing.TestConfigs;

/** The facade's contract on the embedded default: H2 in a fresh data directory. */
class H2TaskforceTest extends TaskforceContract {
  @Override
  protected Config config() {
    return TestConfigs.h2(TestConfigs.freshDataDir(), "taskforce.node.max-running = 3");
  }
}
