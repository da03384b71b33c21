package io.taskforce.api;

import com.fasterxml.jackson.databind.JsonNode;

/** The body of a session's creation; every field is optional. */
public record SessionSpec(String id, String title, Integer maxConcurrentTasks, JsonNode metadata) {
  public static final int MAX_CONCURRENT_LIMIT = 10_000;

  public SessionSpec {
    if (id != null && !TaskSpec.ID_PATTERN.matcher(id).matches()) {
      throw new InvalidRequestException(
          "id", "id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
    }
    if (title != null && title.length() > TaskSpec.MAX_TITLE_CHARS) {
      throw new InvalidRequestException("title", "title is longer than " + TaskSpec.MAX_TITLE_CHARS);
    }
    if (maxConcurrentTasks != null
        && (maxConcurrentTasks < 1 || maxConcurrentTasks > MAX_CONCURRENT_LIMIT)) {
      throw new InvalidRequestException(
          "maxConcurrentTasks", "maxConcurrentTasks must be within 1.." + MAX_CONCURRENT_LIMIT);
    }
    if (metadata != null && metadata.isNull()) metadata = null;
    if (metadata != null && metadata.toString().length() > TaskSpec.MAX_CONTEXT_BYTES) {
      throw new InvalidRequestException("metadata", "metadata is larger than 16 KiB");
    }
  }

  public static SessionSpec withId(String id) {
    return new SessionSpec(id, null, null, null);
  }
}
