package io.taskforce.bench;

import java.util.List;

/** One benchmark scenario: it measures on one database and adds its figures to the run. */
public interface Scenario {

  /** The name on the command line ({@code ./taskforce bench <name>}). */
  String name();

  /** One line for the usage text and the report. */
  String description();

  /** The APIs it runs on; scenarios that do not go through Taskforce's API answer an empty list. */
  default List<Target.Api> apis() {
    return List.of(Target.Api.HTTP, Target.Api.INPROCESS);
  }

  /** Measures on {@code db} (a fresh database per call) for each of {@code apis}. */
  void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception;
}
