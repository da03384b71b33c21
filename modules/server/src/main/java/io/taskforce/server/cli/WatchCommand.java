package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskforce watch <session> [--until-idle]}: a live view of the session's tasks fed by its
 * SSE feed. It reads the unfinished tasks, then the feed from its start (the past only updates the
 * view; a feed whose start is no longer kept, 410, is read from the session's last event instead),
 * then shows what happens from then on. With {@code --until-idle} it exits 0 once the session has
 * no unfinished task and every event up to that moment has been shown.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Watch a session's tasks live: a progress bar each, a line when one finishes or asks a question.",
        "Not on a terminal (or with --plain) it prints one line per event instead of redrawing."})
public final class WatchCommand extends ClientCommand {
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);
  private static final long IDLE_CHECK_NANOS = 1_000_000_000L;

  @Parameters(index = "0", paramLabel = "SESSION", description = "The session to watch.")
  String sessionId;

  @Option(names = "--until-idle", description = "Exit (0) once no task of the session is unfinished.")
  boolean untilIdle;

  @Option(names = "--plain", description = "Print one line per event even on a terminal.")
  boolean plain;

  private String sessionPath;
  private WatchModel model;
  private WatchView view;
  private long pastUpTo;
  private long shownUpTo;
  private boolean snapshotShown;

  @Override
  int run(Api api) throws Exception {
    sessionPath = "/v1/sessions/" + Api.seg(sessionId);
    pastUpTo = api.get(sessionPath).json().path("lastEventSeq").asLong(0);
    model = new WatchModel();
    for (JsonNode task : api.get(sessionPath + "/tasks?status=pending,running,paused,input_required&limit=500")
        .json().path("items")) {
      model.load(task);
    }
    view = json() ? new WatchView.Json(out) : plain || System.console() == null ? new WatchView.Plain(out) : new LiveView(out);

    BlockingQueue<EventStream.Item> queue = new LinkedBlockingQueue<>();
    EventStream stream = new EventStream(api, sessionId, 0, queue, GIVE_UP_AFTER).start();
    boolean fellBack = false;
    long lastIdleCheck = 0;
    try {
      while (true) {
        EventStream.Item item = queue.poll(250, TimeUnit.MILLISECONDS);
        boolean checkIdle = false;
        if (item instanceof EventStream.Connected connected) {
          if (!connected.again()) view.connected(sessionId);
          else if (!json()) notice("reconnected after event " + stream.lastId());
          if (pastUpTo == 0 || fellBack) showSnapshot();
          checkIdle = true;
        } else if (item instanceof EventStream.Event event) {
          checkIdle = onEvent(event);
        } else if (item instanceof EventStream.Ended ended) {
          if (ended.failure().status() == 410 && !fellBack) {
            // The feed no longer keeps its start: the task list is the past, the feed the rest.
            fellBack = true;
            shownUpTo = pastUpTo;
            stream = new EventStream(api, sessionId, pastUpTo, queue, GIVE_UP_AFTER).start();
            continue;
          }
          throw ended.failure();
        } else {
          view.refresh(model);
          checkIdle = System.nanoTime() - lastIdleCheck >= IDLE_CHECK_NANOS;
        }
        if (untilIdle && snapshotShown && checkIdle) {
          lastIdleCheck = System.nanoTime();
          if (idle(api)) {
            view.idle(model);
            return ExitCode.OK;
          }
        }
      }
    } finally {
      stream.close();
    }
  }

  /** Takes an event in; answers whether it may have made the session idle. */
  private boolean onEvent(EventStream.Event event) throws IOException {
    JsonNode data = Api.JSON.readTree(event.data());
    if (data == null || !data.isObject() || !data.has("taskId")) return false;
    WatchModel.Row row = model.apply(data);
    boolean past = event.id() != null && event.id() <= pastUpTo;
    if (event.id() != null) shownUpTo = Math.max(shownUpTo, event.id());
    if (!past && snapshotShown) view.event(data, event.data(), row, model);
    if (!snapshotShown && shownUpTo >= pastUpTo) showSnapshot();
    return !row.unfinished();
  }

  private void showSnapshot() {
    if (snapshotShown) return;
    snapshotShown = true;
    view.snapshot(model);
  }

  /** Idle: no task unfinished, and every event up to that state already shown. */
  private boolean idle(Api api) {
    JsonNode session;
    try {
      session = api.get(sessionPath).json();
    } catch (CliFailure failure) {
      // The server is away (restarting): the stream reconnects, or gives up and says so.
      if (failure.exitCode() == ExitCode.UNREACHABLE || failure.status() >= 500) return false;
      throw failure;
    }
    long unfinished = 0;
    for (String status : Render.UNFINISHED) unfinished += session.path("counts").path(status).asLong(0);
    return unfinished == 0 && session.path("lastEventSeq").asLong(0) <= shownUpTo;
  }

  private void notice(String message) {
    out.flush();
    err.println("taskforce watch: " + message);
  }
}
