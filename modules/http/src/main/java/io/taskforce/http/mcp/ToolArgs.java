package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A tool call's arguments, checked against the tool's schema by hand: each way they can be wrong
 * is a {@link BadArguments} that the tool answers as an error result the model can act on.
 */
final class ToolArgs {
  /** Arguments that do not fit the tool's input schema. */
  static final class BadArguments extends RuntimeException {
    BadArguments(String message) {
      super(message, null, false, false);
    }
  }

  private final String tool;
  private final ObjectNode args;

  ToolArgs(String tool, ObjectNode args, Set<String> known) {
    this.tool = tool;
    this.args = args;
    for (Iterator<String> names = args.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new BadArguments(tool + " has no argument '" + name + "' (it takes: " + String.join(", ", known) + ")");
      }
    }
  }

  private JsonNode present(String name) {
    JsonNode value = args.get(name);
    return value == null || value.isNull() ? null : value;
  }

  String requiredString(String name) {
    String value = string(name);
    if (value == null) throw new BadArguments(tool + " needs the argument '" + name + "' (a string)");
    return value;
  }

  String string(String name) {
    JsonNode value = present(name);
    if (value == null) return null;
    if (!value.isTextual()) throw new BadArguments("'" + name + "' must be a string");
    return value.asText();
  }

  Long integer(String name, long min, long max) {
    JsonNode value = present(name);
    if (value == null) return null;
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
      throw new BadArguments("'" + name + "' must be a whole number within " + min + ".." + max);
    }
    return value.asLong();
  }

  Boolean bool(String name) {
    JsonNode value = present(name);
    if (value == null) return null;
    if (!value.isBoolean()) throw new BadArguments("'" + name + "' must be true or false");
    return value.asBoolean();
  }

  JsonNode object(String name) {
    JsonNode value = present(name);
    if (value == null) return null;
    if (!value.isObject()) throw new BadArguments("'" + name + "' must be a JSON object");
    return value;
  }

  JsonNode any(String name) {
    return present(name);
  }

  java.util.List<String> strings(String name) {
    JsonNode value = present(name);
    if (value == null) return null;
    if (!value.isArray()) throw new BadArguments("'" + name + "' must be an array of strings");
    java.util.List<String> out = new java.util.ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) throw new BadArguments("'" + name + "' must be an array of strings");
      out.add(item.asText());
    }
    return out;
  }

  Map<String, String> stringMap(String name) {
    JsonNode value = object(name);
    if (value == null) return null;
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) throw new BadArguments("'" + name + "' values must be strings ('" + e.getKey() + "' is not)");
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
