package io.taskforce.http.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The MCP sessions of this node: created by {@code initialize}, ended by DELETE, idleness or room. */
final class McpSessions {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  private final McpSettings settings;

  McpSessions(McpSettings settings) {
    this.settings = settings;
  }

  McpSession create(String tenant, String taskforceSession, String protocolVersion, JsonNode capabilities) {
    sweep();
    while (sessions.size() >= settings.maxSessions()) {
      sessions.values().stream().min(Comparator.comparingLong(McpSession::lastUsedNanos))
          .ifPresent(oldest -> end(oldest.id));
    }
    String id = randomToken(24);
    McpSession session = new McpSession(id, tenant, taskforceSession, protocolVersion, capabilities);
    sessions.put(id, session);
    return session;
  }

  /** The session, if it exists and belongs to {@code tenant} (another tenant's is unknown). */
  Optional<McpSession> find(String id, String tenant) {
    McpSession session = sessions.get(id);
    if (session == null || !session.tenant.equals(tenant) || session.ended()) return Optional.empty();
    if (idle(session)) {
      end(id);
      return Optional.empty();
    }
    session.touch();
    return Optional.of(session);
  }

  /** {@code bytes} random bytes, base64url: visible ASCII, as session ids must be. */
  static String randomToken(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  void end(String id) {
    McpSession session = sessions.remove(id);
    if (session != null) session.end();
  }

  /** Ends the sessions idle longer than the timeout (called now and then). */
  void sweep() {
    sessions.values().stream().filter(this::idle).map(s -> s.id).toList().forEach(this::end);
  }

  void endAll() {
    sessions.keySet().forEach(this::end);
  }

  int size() {
    return sessions.size();
  }

  private boolean idle(McpSession session) {
    // A session with an open GET stream or a request in flight is in use, however long ago it began.
    if (session.getStream.get() != null || !session.inFlight.isEmpty()) return false;
    return System.nanoTime() - session.lastUsedNanos() > settings.sessionIdleTimeout().toNanos();
  }

  Duration idleTimeout() {
    return settings.sessionIdleTimeout();
  }
}
