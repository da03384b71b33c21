package io.taskforce.server.admin;

import io.taskforce.api.ConflictException;
import io.taskforce.api.ForbiddenException;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.NotFoundException;
import io.taskforce.api.TaskforceException;
import io.taskforce.api.UnavailableException;
import io.taskforce.http.HttpProblemException;
import io.taskforce.http.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error answers of the operator routes, as the API gives them: {@code application/problem+json}
 * (see {@link Problem}), the same words for the same refusals.
 */
final class AdminProblems {
  private static final Logger log = LoggerFactory.getLogger(AdminProblems.class);

  /**
   * Pekko's own rejection answers (401 with its challenge, 404, 405 with {@code Allow}, …), with
   * their statuses and headers kept and their bodies made problems.
   */
  static final RejectionHandler REJECTIONS =
      RejectionHandler.defaultHandler().mapRejectionResponse(AdminProblems::fromRejection);

  private AdminProblems() {}

  static HttpResponse response(Throwable failure) {
    return problem(unwrap(failure)).response();
  }

  static Problem notStarted() {
    return Problem.of(503, "unavailable", "Service unavailable", "Taskforce is not started on this node yet")
        .withRetryAfter(Duration.ofSeconds(1));
  }

  static Problem problem(Throwable t) {
    if (t instanceof HttpProblemException p) return p.problem();
    if (t instanceof InvalidRequestException invalid) {
      return Problem.of(400, "invalid-request", "Invalid request", t.getMessage()).withField(invalid.field());
    }
    if (t instanceof NotFoundException) return Problem.of(404, "not-found", "Not found", t.getMessage());
    if (t instanceof ConflictException) return Problem.of(409, "conflict", "Conflict", t.getMessage());
    if (t instanceof ForbiddenException) return Problem.of(403, "forbidden", "Forbidden", t.getMessage());
    if (t instanceof UnavailableException unavailable) {
      return Problem.of(503, "unavailable", "Service unavailable", t.getMessage())
          .withRetryAfter(unavailable.retryAfter());
    }
    if (t instanceof TaskforceException e) return Problem.of(500, e.problem(), "Error", e.getMessage());
    log.error("unexpected failure while answering an operator request", t);
    return Problem.of(500, "internal-error", "Internal server error", "an unexpected error happened; it was logged");
  }

  private static HttpResponse fromRejection(HttpResponse plain) {
    int status = plain.status().intValue();
    String detail = plain.entity() instanceof HttpEntity.Strict strict
        ? strict.getData().decodeString(StandardCharsets.UTF_8).trim()
        : plain.status().reason();
    String word = switch (status) {
      case 400 -> "invalid-request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not-found";
      case 405 -> "method-not-allowed";
      case 406 -> "not-acceptable";
      case 413 -> "payload-too-large";
      case 415 -> "unsupported-media-type";
      default -> status >= 500 ? "internal-error" : "invalid-request";
    };
    HttpHeader[] headers = new HttpHeader[0];
    headers = java.util.stream.StreamSupport.stream(plain.getHeaders().spliterator(), false).toList().toArray(headers);
    return Problem.of(status, word, plain.status().reason(), detail.isEmpty() ? plain.status().reason() : detail)
        .response(headers);
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
