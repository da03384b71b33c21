package io.taskforce.http;

import io.taskforce.api.ConflictException;
import io.taskforce.api.FeedTruncatedException;
import io.taskforce.api.ForbiddenException;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.QueueFullException;
import io.taskforce.api.TaskforceException;
import io.taskforce.api.UnavailableException;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every failure as the API's problem answer; anything unexpected is a 500 that is logged. */
final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  private Problems() {}

  static HttpResponse response(Throwable failure) {
    return problem(unwrap(failure)).response();
  }

  static Problem problem(Throwable t) {
    if (t instanceof HttpProblemException p) return p.problem();
    if (t instanceof TaskforceException e) return fromApi(e);
    if (t instanceof EntityStreamSizeException || tooLarge(t)) {
      return Problem.of(413, "payload-too-large", "Payload too large", "the request body is larger than the limit");
    }
    log.error("unexpected failure while answering a request", t);
    return Problem.of(500, "internal-error", "Internal server error", "an unexpected error happened; it was logged");
  }

  private static Problem fromApi(TaskforceException e) {
    if (e instanceof InvalidRequestException invalid) {
      return Problem.of(400, "invalid-request", "Invalid request", e.getMessage()).withField(invalid.field());
    }
    if (e instanceof NotFoundException) return Problem.of(404, "not-found", "Not found", e.getMessage());
    if (e instanceof ConflictException) return Problem.of(409, "conflict", "Conflict", e.getMessage());
    if (e instanceof ForbiddenException) return Problem.of(403, "forbidden", "Forbidden", e.getMessage());
    if (e instanceof FeedTruncatedException) {
      return Problem.of(410, "feed-truncated", "Feed truncated", e.getMessage());
    }
    if (e instanceof QueueFullException full) {
      return Problem.of(429, "queue-full", "Queue full", e.getMessage()).withRetryAfter(full.retryAfter());
    }
    if (e instanceof UnavailableException unavailable) {
      return Problem.of(503, "unavailable", "Service unavailable", e.getMessage())
          .withRetryAfter(unavailable.retryAfter());
    }
    return Problem.of(500, e.problem(), "Error", e.getMessage());
  }

  /** Pekko's strict-entity limit fails with this (its size exception is reserved for parsing). */
  private static boolean tooLarge(Throwable t) {
    return t instanceof org.apache.pekko.http.scaladsl.model.EntityStreamException e
        && e.getMessage() != null && e.getMessage().startsWith("Request too large");
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
