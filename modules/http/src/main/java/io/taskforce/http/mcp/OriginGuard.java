package io.taskforce.http.mcp;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * DNS-rebinding protection for {@code /mcp}, as the Streamable HTTP transport requires: a browser
 * page on another site must not reach the server through a name that resolves to it.
 *
 * <ul>
 *   <li>Bound to a loopback address: the {@code Host} must be a loopback name ({@code localhost},
 *       {@code 127.x.y.z}, {@code [::1]}) or one of {@code allowed-hosts}; an {@code Origin}, when
 *       present, must be a loopback origin or one of {@code allowed-origins}.
 *   <li>Bound to any other address: the {@code Host} must be one of {@code allowed-hosts} when that
 *       list is set; an {@code Origin}, when present, must be one of {@code allowed-origins}
 *       (agents send none; browsers always do).
 * </ul>
 * The port of {@code Host} and {@code Origin} is not compared: the loopback interface is this
 * machine's whatever the port, and a proxy in front may listen on another one.
 */
final class OriginGuard {
  private final boolean loopbackBound;
  private final McpSettings settings;

  OriginGuard(String bindHost, McpSettings settings) {
    this.loopbackBound = isLoopbackAddress(bindHost);
    this.settings = settings;
  }

  /** Why the request is refused, or empty when it may go on. */
  Optional<String> refusal(Optional<String> host, Optional<String> origin) {
    String hostName = host.map(OriginGuard::hostPart).orElse("");
    boolean hostListed = settings.allowedHosts().contains(hostName);
    if (loopbackBound) {
      if (!isLoopbackName(hostName) && !hostListed) {
        return Optional.of("Host '" + host.orElse("") + "' is not allowed (the server listens on loopback)");
      }
    } else if (!settings.allowedHosts().isEmpty() && !hostListed) {
      return Optional.of("Host '" + host.orElse("") + "' is not in taskforce.http.mcp.allowed-hosts");
    }
    if (origin.isEmpty()) return Optional.empty();
    String value = origin.get().trim().toLowerCase(Locale.ROOT);
    if (settings.allowedOrigins().contains(value)) return Optional.empty();
    if (loopbackBound && isLoopbackOrigin(value)) return Optional.empty();
    return Optional.of("Origin '" + origin.get() + "' is not allowed (see taskforce.http.mcp.allowed-origins)");
  }

  private static boolean isLoopbackOrigin(String origin) {
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) return false;
      return uri.getHost() != null && isLoopbackName(uri.getHost().toLowerCase(Locale.ROOT));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** {@code example.com:8080} → {@code example.com}; {@code [::1]:8080} → {@code [::1]}. */
  static String hostPart(String hostHeader) {
    String value = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (value.startsWith("[")) {
      int end = value.indexOf(']');
      return end < 0 ? value : value.substring(0, end + 1);
    }
    int colon = value.indexOf(':');
    return colon < 0 ? value : value.substring(0, colon);
  }

  static boolean isLoopbackName(String host) {
    if (host.equals("localhost") || host.endsWith(".localhost")) return true;
    if (host.equals("[::1]") || host.equals("::1")) return true;
    return host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static boolean isLoopbackAddress(String bindHost) {
    if (bindHost == null) return false;
    String host = bindHost.trim().toLowerCase(Locale.ROOT);
    if (isLoopbackName(host)) return true;
    if (!host.matches("[0-9a-f:.\\[\\]]+")) return false; // a name: no lookup here
    try {
      return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
