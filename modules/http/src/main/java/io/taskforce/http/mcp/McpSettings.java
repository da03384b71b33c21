package io.taskforce.http.mcp;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The settings of {@code taskforce.http.mcp}. Every key is optional: an absent key takes the
 * default written here (and in {@code docs/mcp.md}).
 *
 * @param allowedOrigins browser origins ({@code https://app.example.com}) allowed besides the
 *     loopback ones; a request with any other {@code Origin} is refused with 403
 * @param allowedHosts {@code Host} names accepted besides the loopback names; when the server is
 *     not bound to loopback and this list is empty, any {@code Host} is accepted
 * @param sessionIdleTimeout an MCP session not used for this long ends (its client must initialize
 *     again; its tasks and its Taskforce session live on)
 * @param maxSessions MCP sessions one node keeps at most; the least recently used one ends first
 * @param pollInterval the {@code pollInterval} the server suggests for {@code tasks/get}
 * @param waitSlice how long one step of a blocking wait ({@code tasks/result}, a plain
 *     {@code run_subagent}) waits before it looks at the task again (questions, progress)
 * @param maxJsonWait the longest a blocking call waits when the client cannot take an SSE stream
 */
public record McpSettings(
    List<String> allowedOrigins,
    List<String> allowedHosts,
    Duration sessionIdleTimeout,
    int maxSessions,
    Duration pollInterval,
    Duration waitSlice,
    Duration maxJsonWait) {

  public static final String PATH = "taskforce.http.mcp";

  public McpSettings {
    allowedOrigins = allowedOrigins.stream().map(o -> o.trim().toLowerCase(Locale.ROOT)).toList();
    allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
  }

  public static McpSettings defaults() {
    return new McpSettings(List.of(), List.of(), Duration.ofHours(24), 10_000, Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofSeconds(55));
  }

  /** {@code taskforce.http.mcp} of {@code config}, each absent key at its default. */
  public static McpSettings from(Config config) {
    McpSettings d = defaults();
    if (!config.hasPath(PATH)) return d;
    Config c = config.getConfig(PATH);
    return new McpSettings(
        c.hasPath("allowed-origins") ? c.getStringList("allowed-origins") : d.allowedOrigins(),
        c.hasPath("allowed-hosts") ? c.getStringList("allowed-hosts") : d.allowedHosts(),
        c.hasPath("session-idle-timeout") ? c.getDuration("session-idle-timeout") : d.sessionIdleTimeout(),
        c.hasPath("max-sessions") ? c.getInt("max-sessions") : d.maxSessions(),
        c.hasPath("poll-interval") ? c.getDuration("poll-interval") : d.pollInterval(),
        c.hasPath("wait-slice") ? c.getDuration("wait-slice") : d.waitSlice(),
        c.hasPath("max-json-wait") ? c.getDuration("max-json-wait") : d.maxJsonWait());
  }
}
