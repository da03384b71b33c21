package io.taskforce.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** An error answer: {@code application/problem+json} (RFC 9457). */
public record Problem(int status, String word, String title, String detail, String field, Duration retryAfter) {

  static final ContentType PROBLEM_JSON =
      ContentTypes.create(MediaTypes.applicationWithFixedCharset("problem+json",
          org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8));

  public static Problem of(int status, String word, String title, String detail) {
    return new Problem(status, word, title, detail, null, null);
  }

  public Problem withField(String newField) {
    return new Problem(status, word, title, detail, newField, retryAfter);
  }

  public Problem withRetryAfter(Duration wait) {
    return new Problem(status, word, title, detail, field, wait);
  }

  public HttpResponse response(HttpHeader... extra) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("type", "/problems/" + word);
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail == null ? title : detail);
    if (field != null) body.put("field", field);
    List<HttpHeader> headers = new ArrayList<>(List.of(extra));
    if (retryAfter != null) {
      long seconds = Math.max(1, retryAfter.toSeconds());
      body.put("retryAfterSeconds", seconds);
      headers.add(RawHeader.create("Retry-After", Long.toString(seconds)));
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    StatusCode code = StatusCodes.get(status);
    return HttpResponse.create().withStatus(code).withEntity(PROBLEM_JSON, bytes).addHeaders(headers);
  }
}
