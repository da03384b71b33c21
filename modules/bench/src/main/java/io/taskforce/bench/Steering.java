package io.taskforce.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * 5. Pause, resume and cancel latency on running {@code process} tasks ({@code sleep 300}): one
 * task at a time, from the request sent to its answer (the task then {@code paused}, {@code
 * running}, {@code cancelled}).
 */
final class Steering implements Scenario {
  static final String NAME = "steering";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "pause, resume and cancel of running `process` tasks (sleep): request to answer (p50/p99)";
  }

  @Override
  public void run(Target.Db db, List<Target.Api> apis, Params params, Run run) throws Exception {
    ObjectNode sleep = JsonNodeFactory.instance.objectNode();
    sleep.putArray("command").add("sleep").add("300");
    for (Target.Api api : apis) {
      try (Database database = Database.fresh(db); Node node = Node.start(database, "");
          Client client = node.client(api)) {
        String session = Load.sessions(client, "steer", 1, 4).get(0);
        Histogram pause = Run.histogram();
        Histogram resume = Run.histogram();
        Histogram cancel = Run.histogram();
        int warmup = Math.min(5, params.samples());
        for (int k = 0; k < warmup + params.samples(); k++) {
          String id = client.dispatch(session, "process", sleep).get(30, TimeUnit.SECONDS);
          awaitStatus(client, id, "running");
          long t = System.nanoTime();
          expect(client.transition(id, "pause").get(30, TimeUnit.SECONDS), "paused");
          long paused = System.nanoTime() - t;
          t = System.nanoTime();
          expect(client.transition(id, "resume").get(30, TimeUnit.SECONDS), "running");
          long resumed = System.nanoTime() - t;
          t = System.nanoTime();
          expect(client.transition(id, "cancel").get(30, TimeUnit.SECONDS), "cancelled");
          long cancelled = System.nanoTime() - t;
          if (k >= warmup) {
            pause.recordValue(paused);
            resume.recordValue(resumed);
            cancel.recordValue(cancelled);
          }
        }
        String bound = "one journal write of the task (Paused / Resumed / Cancelled) before the answer, and the "
            + "signal to the process group";
        run.latencies(NAME, "taskforce", db.wire(), api.wire(), "pause", pause, bound, "p50", "p99", "max");
        run.latencies(NAME, "taskforce", db.wire(), api.wire(), "resume", resume, bound, "p50", "p99", "max");
        run.latencies(NAME, "taskforce", db.wire(), api.wire(), "cancel", cancel, bound, "p50", "p99", "max");
      }
    }
  }

  static void awaitStatus(Client client, String taskId, String status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (client.status(taskId).get(30, TimeUnit.SECONDS).equals(status)) return;
      Thread.sleep(5);
    }
    throw new IllegalStateException("task " + taskId + " not " + status + " within 30 s");
  }

  private static void expect(String actual, String wanted) {
    if (!actual.equals(wanted)) throw new IllegalStateException("expected " + wanted + ", was " + actual);
  }
}
