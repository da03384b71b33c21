package io.taskforce.executors.process;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.spi.InvalidInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The input of a {@code process} task, checked field by field:
 * {@code {"command": [argv...], "cwd"?, "env"?, "stdin"?, "workspace"?}}.
 */
public record ProcessInput(
    List<String> command, String cwd, Map<String, String> env, String stdin, boolean gitWorktree) {

  private static final Set<String> FIELDS = Set.of("command", "cwd", "env", "stdin", "workspace");

  public static ProcessInput parse(JsonNode input) throws InvalidInputException {
    if (input == null || !input.isObject()) {
      throw new InvalidInputException(null, "input must be an object with a \"command\" list");
    }
    Set<String> unknown = new TreeSet<>();
    input.fieldNames().forEachRemaining(name -> {
      if (!FIELDS.contains(name)) unknown.add(name);
    });
    if (!unknown.isEmpty()) {
      throw new InvalidInputException(unknown.iterator().next(),
          "unknown input fields " + unknown + " (known: command, cwd, env, stdin, workspace)");
    }
    JsonNode commandNode = input.get("command");
    if (commandNode == null || !commandNode.isArray()) {
      throw new InvalidInputException("command", "command must be a list of strings (argv)");
    }
    if (commandNode.isEmpty()) throw new InvalidInputException("command", "command must not be empty");
    List<String> command = new ArrayList<>();
    for (int i = 0; i < commandNode.size(); i++) {
      JsonNode arg = commandNode.get(i);
      if (!arg.isTextual()) throw new InvalidInputException("command[" + i + "]", "command items must be strings");
      command.add(arg.asText());
    }
    if (command.get(0).isBlank()) throw new InvalidInputException("command[0]", "the executable must not be blank");
    String cwd = optionalText(input, "cwd");
    String stdin = optionalText(input, "stdin");
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode envNode = input.get("env");
    if (envNode != null && !envNode.isNull()) {
      if (!envNode.isObject()) throw new InvalidInputException("env", "env must be an object of strings");
      for (Iterator<Map.Entry<String, JsonNode>> it = envNode.fields(); it.hasNext(); ) {
        var entry = it.next();
        if (!entry.getValue().isTextual()) {
          throw new InvalidInputException("env." + entry.getKey(), "env values must be strings");
        }
        if (entry.getKey().isEmpty() || entry.getKey().contains("=")) {
          throw new InvalidInputException("env", "env names must be non-empty and without '='");
        }
        env.put(entry.getKey(), entry.getValue().asText());
      }
    }
    String workspace = optionalText(input, "workspace");
    if (workspace != null && !workspace.equals("git-worktree")) {
      throw new InvalidInputException("workspace", "workspace must be \"git-worktree\" when given");
    }
    boolean gitWorktree = workspace != null;
    if (gitWorktree && cwd == null) {
      throw new InvalidInputException("cwd", "a git-worktree workspace needs cwd: the repository to branch from");
    }
    return new ProcessInput(List.copyOf(command), cwd, Map.copyOf(env), stdin, gitWorktree);
  }

  private static String optionalText(JsonNode input, String field) throws InvalidInputException {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw new InvalidInputException(field, field + " must be a string");
    return node.asText();
  }
}
