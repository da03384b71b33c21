package io.taskforce.internal.readmodel;

import io.taskforce.api.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque paging cursor of a listing: the sort key of the last row of a page ({@code createdAt}
 * in epoch milliseconds and the id), base64url-encoded with a letter naming the listing it belongs
 * to. The next page starts after that row in the order {@code created_at DESC, id DESC}.
 */
record Cursor(long createdAt, String id) {
  static final char TASKS = 't';
  static final char SESSIONS = 's';

  String encode(char kind) {
    String plain = kind + "|" + createdAt + "|" + id;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor, or null when {@code text} is null or empty; a malformed one is refused. */
  static Cursor decode(char kind, String text) {
    if (text == null || text.isEmpty()) return null;
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw malformed();
    }
    String[] parts = plain.split("\\|", 3);
    if (parts.length != 3 || parts[0].length() != 1 || parts[0].charAt(0) != kind || parts[2].isEmpty()) {
      throw malformed();
    }
    try {
      return new Cursor(Long.parseLong(parts[1]), parts[2]);
    } catch (NumberFormatException e) {
      throw malformed();
    }
  }

  private static InvalidRequestException malformed() {
    return new InvalidRequestException("cursor", "cursor is malformed; use the nextCursor of a previous page");
  }
}
