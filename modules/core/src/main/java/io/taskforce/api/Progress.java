package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** The latest progress a task reported; {@code percent} is null when the executor gave none. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Progress(Integer percent, String message, Instant updatedAt) {
  public Progress {
    if (percent != null && (percent < 0 || percent > 100)) {
      throw new IllegalArgumentException("percent must be within 0..100, was " + percent);
    }
  }
}
