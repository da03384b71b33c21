package io.taskforce.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * One route of the API: a method and a path template such as {@code /v1/tasks/{tid}/result}. The
 * table of operations is the one list of what the server serves; the OpenAPI test reads it.
 */
public record Operation(String method, String template, Handler handler) {

  @FunctionalInterface
  public interface Handler {
    CompletionStage<HttpResponse> handle(Call call) throws Exception;
  }

  List<String> segments() {
    return List.of(template.substring(1).split("/"));
  }

  /** The path parameters, when {@code path} (decoded segments) fits the template. */
  Optional<Map<String, String>> match(List<String> path) {
    List<String> template = segments();
    if (template.size() != path.size()) return Optional.empty();
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String part = template.get(i);
      if (part.startsWith("{") && part.endsWith("}")) {
        if (path.get(i).isEmpty()) return Optional.empty();
        params.put(part.substring(1, part.length() - 1), path.get(i));
      } else if (!part.equals(path.get(i))) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }
}
