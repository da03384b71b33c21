package io.taskforce.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer tokens and the tenant each belongs to. Tokens are compared in constant time, and
 * every configured token is compared on every request, so timing tells nothing of which matched.
 */
public final class Tokens {
  private record Entry(byte[] digest, String tenant) {}

  private final List<Entry> entries;

  public Tokens(Map<String, String> tenantByToken) {
    if (tenantByToken.isEmpty()) throw new IllegalArgumentException("at least one token is needed");
    this.entries = tenantByToken.entrySet().stream()
        .map(e -> new Entry(sha256(e.getKey()), e.getValue()))
        .toList();
  }

  /** The tenant of {@code token}, if it is one of the configured tokens. */
  public Optional<String> tenantOf(String token) {
    if (token == null || token.isEmpty()) return Optional.empty();
    byte[] digest = sha256(token);
    String found = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.digest(), digest)) found = entry.tenant();
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
