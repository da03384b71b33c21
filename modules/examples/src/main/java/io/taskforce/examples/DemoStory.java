package io.taskforce.examples;

import static io.taskforce.examples.EmbeddedHostExample.get;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.Taskforce;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.Progress;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskFilter;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The seed's story, told by a main session: it dispatches three tasks and keeps talking to its
 * user while they run, pauses one and resumes it, cancels one, and lists them all at the end.
 * Every feed event is printed as it arrives. {@link #play} throws if anything goes otherwise.
 */
final class DemoStory {
  static final String SESSION = "main";
  static final Duration TURN = Duration.ofMillis(700);
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  static final Duration STORY_DEADLINE = Duration.ofSeconds(60);

  private final Taskforce tf;
  private final PrintStream out;
  private final String tenant;
  private final List<FeedEvent> events = new CopyOnWriteArrayList<>();
  private final Map<String, TaskStatus> statuses = new ConcurrentHashMap<>();
  private final Map<String, Progress> progress = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> allFinal = new CompletableFuture<>();
  private long pausedSince;

  DemoStory(Taskforce tf, PrintStream out) {
    this.tf = tf;
    this.out = out;
    this.tenant = tf.defaultTenant();
  }

  void play() throws Exception {
    get(tf.createSession(tenant, new SessionSpec(SESSION, "Main session", null, null)), TIMEOUT);
    String tests, refactor, docs;
    try (Taskforce.FeedSubscription subscription = tf.subscribe(tenant, SESSION, 0, this::onEvent)) {
      subscription.done().whenComplete((done, failure) -> {
        if (failure != null) allFinal.completeExceptionally(failure);
      });
      tests = dispatch("Write the tests", "reading the module", "listing the cases", "writing the happy path",
          "writing the edge cases", "running them", "fixing a flaky one", "running them again");
      refactor = dispatch("Refactor the auth module", "reading the code", "finding the seams",
          "extracting the token check", "moving the session code", "renaming", "updating the callers",
          "running the tests", "tidying up");
      docs = dispatch("Update the docs", "reading the docs", "noting what changed", "rewriting the intro",
          "updating the examples", "redrawing the diagram", "checking the links", "writing the changelog",
          "proofreading");
      say("dispatched 3 tasks and had their ids at once; back to the user");
      talk(refactor, docs);
    }
    List<TaskView> listed = listWhenAllFinished();
    say("the task list (a read model, which may lag about a second):");
    listed.forEach(task -> out.println("    " + FeedLines.format(task)));
    DemoChecks.check(listed, events, tests, refactor, docs);
    say("every task ended as told: 2 completed, 1 cancelled; " + events.stream().filter(FeedEvent::durable).count()
        + " feed events, " + events.stream().filter(e -> !e.durable()).count() + " live progress ticks");
  }

  /** The main thread is the session talking to its user, one turn at a time, until all tasks end. */
  private void talk(String refactor, String docs) throws Exception {
    long deadline = System.nanoTime() + STORY_DEADLINE.toNanos();
    for (int turn = 1; !allFinal.isDone(); turn++) {
      if (System.nanoTime() > deadline) throw new TimeoutException("the tasks did not all end within " + STORY_DEADLINE);
      try {
        allFinal.get(TURN.toMillis(), TimeUnit.MILLISECONDS); // a turn, or less if every task has ended
        break;
      } catch (TimeoutException nextTurn) {
        // the user is still there
      }
      switch (turn) {
        case 2 -> {
          say("the user wants to read the auth code first: pausing \"Refactor the auth module\"");
          TaskView paused = get(tf.pause(tenant, refactor), TIMEOUT);
          pausedSince = System.nanoTime();
          say("refactor is " + paused.status().wire() + " at " + percent(refactor) + "; its progress stops");
        }
        case 3 -> {
          say("the user says the docs can wait: cancelling \"Update the docs\"");
          say("docs is " + get(tf.cancel(tenant, docs), TIMEOUT).status().wire() + " at " + percent(docs));
        }
        case 6 -> {
          say(String.format("the user is done reading: resuming \"Refactor the auth module\" (held at %s for %.1f s)",
              percent(refactor), (System.nanoTime() - pausedSince) / 1e9));
          say("refactor is " + get(tf.resume(tenant, refactor), TIMEOUT).status().wire() + " again");
        }
        default -> say("still chatting with the user while " + unfinished() + "...");
      }
    }
    allFinal.get(); // rethrows a failed subscription
    say("all 3 tasks have ended; the user hears of the results");
  }

  /** The demo's subagent: half a second of "work" per step, then its summary as the result. */
  static final String SUBAGENT_SCRIPT = String.join("\n",
      "n=$#; i=0",
      "for step in \"$@\"; do",
      "  i=$((i + 1)); sleep 0.5",
      "  echo \"::progress $((100 * i / n)) $i/$n $step\"",
      "done",
      "printf '{\"summary\": \"%s: done in %d steps\"}' \"$TITLE\" \"$n\" > \"$TASKFORCE_RESULT\"");

  private String dispatch(String title, String... steps) throws Exception {
    // A subagent as a process: one line of work per step, as `::progress <percent> <message>`,
    // and its result as JSON in the file $TASKFORCE_RESULT names.
    ArrayNode command = JsonNodeFactory.instance.arrayNode().add("bash").add("-c").add(SUBAGENT_SCRIPT).add("subagent");
    for (String step : steps) command.add(step);
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    input.set("command", command);
    input.putObject("env").put("TITLE", title);
    ObjectNode context = JsonNodeFactory.instance.objectNode().put("askedBy", "main session").put("why", title);
    TaskView task = get(tf.dispatch(tenant, SESSION, TaskSpec.of("process", input).withTitle(title).withContext(context)), TIMEOUT).task();
    say("dispatched \"" + title + "\" as " + task.id() + " (" + task.status().wire() + ")");
    return task.id();
  }

  private void onEvent(FeedEvent event) {
    events.add(event);
    // Live ticks carry the latest progress; durable events carry the last one written down.
    if (event.type() == FeedEventType.PROGRESS) progress.put(event.taskId(), event.progress());
    if (event.type() != FeedEventType.PROGRESS) statuses.put(event.taskId(), event.status());
    out.println("  " + FeedLines.format(event));
    long finals = statuses.values().stream().filter(TaskStatus::isFinal).count();
    if (finals == 3) allFinal.complete(null);
  }

  /** Waits for the read model to show every task finished (it lags the entities a little). */
  private List<TaskView> listWhenAllFinished() throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      List<TaskView> items = get(tf.list(tenant, SESSION, TaskFilter.all()), TIMEOUT).items();
      if (items.size() == 3 && items.stream().allMatch(t -> t.status().isFinal())) return items;
      if (System.nanoTime() > deadline) throw new TimeoutException("the task list did not show 3 finished tasks: " + items);
      Thread.sleep(200);
    }
  }

  private String unfinished() {
    long running = statuses.values().stream().filter(s -> !s.isFinal() && s != TaskStatus.PAUSED).count();
    long paused = statuses.values().stream().filter(s -> s == TaskStatus.PAUSED).count();
    String runs = running == 1 ? "1 task runs" : running + " tasks run";
    if (paused == 0) return runs;
    return running == 0 ? paused + " paused " + (paused == 1 ? "task waits" : "tasks wait") : runs + " (" + paused + " paused)";
  }

  private String percent(String taskId) {
    Progress p = progress.get(taskId);
    return p == null || p.percent() == null ? "0%" : p.percent() + "%";
  }

  private void say(String line) {
    out.println("main session: " + line);
  }
}
