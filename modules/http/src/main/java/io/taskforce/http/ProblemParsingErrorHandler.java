package io.taskforce.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Requests too malformed to reach the API (a URI or headers over the limits, a broken request
 * line) still get the API's problem+json, as every error answer does.
 */
public final class ProblemParsingErrorHandler extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue();
    String word = switch (code) {
      case 413 -> "payload-too-large";
      case 414 -> "uri-too-long";
      case 431 -> "headers-too-large";
      case 505 -> "http-version-not-supported";
      default -> code >= 500 ? "internal-error" : "malformed-request";
    };
    String detail = info.summary().isEmpty() ? status.reason() : info.summary();
    return Problem.of(code, word, status.reason(), detail).response();
  }
}
