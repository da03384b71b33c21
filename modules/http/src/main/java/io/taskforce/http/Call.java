package io.taskforce.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.taskforce.api.InvalidRequestException;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/** One authenticated request, matched to its operation: its tenant, path parameters, query, body. */
public record Call(String tenant, Map<String, String> params, HttpRequest request, byte[] body) {

  public String param(String name) {
    return params.get(name);
  }

  public Optional<String> query(String name) {
    return request.getUri().query().get(name);
  }

  public Optional<String> header(String name) {
    return request.getHeader(name).map(h -> h.value());
  }

  /** A whole-number query parameter within bounds, or its default when absent. */
  public long queryLong(String name, long defaultValue, long min, long max) {
    Optional<String> raw = query(name);
    if (raw.isEmpty() || raw.get().isEmpty()) return defaultValue;
    try {
      long value = Long.parseLong(raw.get().trim());
      if (value < min || value > max) throw new NumberFormatException();
      return value;
    } catch (NumberFormatException e) {
      throw HttpProblemException.badRequest(name, name + " must be a whole number within " + min + ".." + max);
    }
  }

  public boolean hasBody() {
    return body.length > 0;
  }

  /** The body as {@code type}; every way it can be wrong answers 400, naming the field. */
  public <T> T body(Class<T> type) {
    if (!hasBody()) throw HttpProblemException.badRequest(null, "a JSON body is required");
    requireUtf8();
    try {
      T value = Json.MAPPER.readValue(body, type);
      if (value == null) throw HttpProblemException.badRequest(null, "the body must be a JSON object");
      return value;
    } catch (UnrecognizedPropertyException e) {
      throw HttpProblemException.badRequest(e.getPropertyName(), "unknown field '" + e.getPropertyName() + "'");
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InvalidRequestException invalid) throw invalid;
      throw HttpProblemException.badRequest(path(e), message(cause == null ? e : cause));
    } catch (StreamConstraintsException e) {
      throw malformed("the body is nested deeper than " + Json.MAX_NESTING_DEPTH + " levels");
    } catch (JsonParseException | CharConversionException e) {
      throw malformed("the body is not valid JSON (UTF-8): " + message(e));
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InvalidRequestException invalid) throw invalid;
      if (cause instanceof StreamConstraintsException) {
        throw malformed("the body is nested deeper than " + Json.MAX_NESTING_DEPTH + " levels");
      }
      String field = path(e);
      throw HttpProblemException.badRequest(field,
          (field == null ? "the body" : "field '" + field + "'") + " has the wrong type or value: " + message(e));
    } catch (IOException e) {
      throw malformed("the body cannot be read: " + message(e));
    }
  }

  /** Strictly: overlong forms and code points above U+10FFFF are refused, as RFC 3629 says. */
  private void requireUtf8() {
    try {
      java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(body));
    } catch (java.nio.charset.CharacterCodingException e) {
      throw malformed("the body is not valid UTF-8");
    }
  }

  private static HttpProblemException malformed(String detail) {
    return new HttpProblemException(Problem.of(400, "malformed-json", "Malformed JSON", detail));
  }

  private static String path(JsonMappingException e) {
    if (e.getPath().isEmpty()) return null;
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
  }

  private static String message(Throwable e) {
    String message = e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage();
    if (message == null) return e.getClass().getSimpleName();
    int newline = message.indexOf('\n');
    return newline > 0 ? message.substring(0, newline) : message;
  }
}
