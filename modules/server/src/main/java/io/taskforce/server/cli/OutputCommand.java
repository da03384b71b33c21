package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskforce output <task> [--follow]}: the task's captured output; with {@code --follow}, new
 * output as it comes (by offset) until the task is final. Between reads it waits on the task's end
 * ({@code /result?waitSeconds=1}), so a finished task stops the follow at once.
 */
@Command(name = "output", mixinStandardHelpOptions = true,
    description = "Print a task's captured output (a bounded tail is kept); --follow prints more until it ends.")
public final class OutputCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "TASK", description = "The task's id.")
  String taskId;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the task is final.")
  boolean follow;

  @Option(names = "--offset", paramLabel = "BYTES", description = "Start at this byte of the output (default 0).")
  long offset;

  @Override
  int run(Api api) {
    if (offset < 0) throw usage("--offset must be 0 or more");
    String path = "/v1/tasks/" + Api.seg(taskId);
    long next = print(api.get(path + "/output?offset=" + offset), offset);
    if (!follow) return ExitCode.OK;
    while (true) {
      Api.Reply task = api.getWaiting(path + "/result?waitSeconds=1", Duration.ofSeconds(1));
      boolean finished = ResultWait.isFinal(task.json());
      // After the end, read until nothing more comes: the last bytes may land just before it.
      long before;
      do {
        before = next;
        next = print(api.get(path + "/output?offset=" + next), next);
      } while (finished && next > before);
      if (finished) return ExitCode.OK;
    }
  }

  /** Prints a chunk and answers the offset to read from next. */
  private long print(Api.Reply reply, long asked) {
    JsonNode chunk = reply.json();
    long next = chunk.path("nextOffset").asLong(asked);
    if (json()) {
      if (next != asked || asked == offset) out.println(reply.body());
    } else {
      if (chunk.path("truncated").asBoolean(false)) {
        out.flush();
        err.println("taskforce output: output before byte " + chunk.path("offset").asLong()
            + " is no longer kept; showing what is");
      }
      byte[] data = Render.text(chunk, "data").getBytes(StandardCharsets.UTF_8);
      out.write(data, 0, data.length);
    }
    out.flush();
    return next;
  }
}
