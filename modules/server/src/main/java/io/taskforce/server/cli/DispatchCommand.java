package io.taskforce.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskforce dispatch [options] -- COMMAND...} (a {@code process} task) or
 * {@code taskforce dispatch --executor NAME --input JSON}: prints the task's id, or with
 * {@code --wait} its result as {@code result} does.
 */
@Command(name = "dispatch", mixinStandardHelpOptions = true,
    description = {"Dispatch a task: a command (after --) for the process executor, or --executor with --input.",
        "Prints the task's id; with --wait, its result as 'result' does."})
public final class DispatchCommand extends ClientCommand {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd]?)");

  @Option(names = "--session", paramLabel = "SESSION",
      description = "The session (default: env TASKFORCE_SESSION, else 'cli'); created if missing.")
  String session;

  @Option(names = "--title", paramLabel = "TEXT", description = "A title for people.")
  String title;

  @Option(names = "--priority", paramLabel = "N", description = "Higher runs first among queued tasks.")
  Integer priority;

  @Option(names = "--timeout", paramLabel = "DURATION",
      description = "Running time allowed: seconds, or 90s, 10m, 2h.")
  String timeout;

  @Option(names = "--id", paramLabel = "ID", description = "A task id of your own: a repeat returns the same task.")
  String id;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
  Map<String, String> labels;

  @Option(names = "--context", paramLabel = "JSON", description = "The session's note, echoed in the final event.")
  String context;

  @Option(names = "--no-notify", description = "Fire and forget: no completion event on the session's feed.")
  boolean noNotify;

  @Option(names = "--wait", description = "Wait for the task to finish and print its result (exit 1 if it fails).")
  boolean await;

  @Option(names = "--executor", paramLabel = "NAME", description = "The executor (default: process).")
  String executor;

  @Option(names = "--input", paramLabel = "JSON", description = "The executor's input (instead of a command).")
  String input;

  @Option(names = "--cwd", paramLabel = "DIR",
      description = "The command's working directory on the server's host (default: a fresh directory per attempt).")
  String cwd;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command and its arguments, after --.")
  List<String> command;

  @Override
  int run(Api api) throws Exception {
    ObjectNode spec = spec();
    String sessionId = session != null ? session : System.getenv().getOrDefault("TASKFORCE_SESSION", "");
    if (sessionId.isBlank()) sessionId = "cli";
    Api.Reply reply = api.post("/v1/sessions/" + Api.seg(sessionId) + "/tasks", spec);
    String taskId = Render.text(reply.json(), "id");
    if (!await) {
      out.println(json() ? reply.body() : taskId);
      return ExitCode.OK;
    }
    if (!json() && System.console() != null) err.println("dispatched " + taskId + "; waiting for it to finish");
    return ResultWait.print(ResultWait.await(api, taskId, ResultWait.FOREVER), json(), out);
  }

  private ObjectNode spec() {
    boolean hasCommand = command != null && !command.isEmpty();
    String name = executor != null ? executor : "process";
    if (hasCommand && input != null) throw usage("give either a command (after --) or --input, not both");
    if (hasCommand && !name.equals("process")) {
      throw usage("a command (after --) is for the process executor; use --input for " + name);
    }
    if (!hasCommand && input == null && executor == null) {
      throw usage("nothing to run: give a command after -- (taskforce dispatch -- make test), "
          + "or --executor NAME --input JSON");
    }
    ObjectNode spec = Api.JSON.createObjectNode();
    if (id != null) spec.put("id", id);
    if (title != null) spec.put("title", title);
    spec.put("executor", name);
    if (hasCommand) {
      ObjectNode processInput = spec.putObject("input");
      ArrayNode argv = processInput.putArray("command");
      command.forEach(argv::add);
      if (cwd != null) processInput.put("cwd", Path.of(cwd).toAbsolutePath().normalize().toString());
    } else {
      if (cwd != null) throw usage("--cwd goes with a command; put \"cwd\" in --input instead");
      spec.set("input", input == null ? Api.JSON.createObjectNode() : parse("--input", input));
    }
    if (priority != null) spec.put("priority", priority);
    if (timeout != null) spec.put("timeoutSeconds", seconds(timeout));
    if (context != null) spec.set("context", parse("--context", context));
    if (noNotify) spec.put("notify", false);
    if (labels != null && !labels.isEmpty()) {
      ObjectNode labelNode = spec.putObject("labels");
      labels.forEach(labelNode::put);
    }
    return spec;
  }

  private JsonNode parse(String option, String text) {
    try {
      return Api.JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw usage(option + " is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private long seconds(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) throw usage("--timeout must be seconds or a duration like 90s, 10m, 2h (was '" + text + "')");
    long value = Long.parseLong(m.group(1));
    long unit = switch (m.group(2)) {
      case "m" -> 60;
      case "h" -> 3600;
      case "d" -> 86400;
      default -> 1;
    };
    if (value <= 0) throw usage("--timeout must be positive");
    return value * unit;
  }
}
