package io.taskforce.server.admin;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.directives.SecurityDirectives.ProvidedCredentials;

/**
 * The operator credentials ({@code taskforce.server.admin-user} and {@code admin-password}, from
 * TASKFORCE_ADMIN_USER and TASKFORCE_ADMIN_PASSWORD) and the HTTP basic authentication of every
 * management route that is not a health check or Cluster Bootstrap's. Without both set there is no
 * operator access at all: the routes that need it are not served.
 */
public final class OperatorAccess {
  /** The realm of the {@code WWW-Authenticate: Basic} challenge. */
  public static final String REALM = "taskforce-operators";

  private final String user;
  private final String password;

  private OperatorAccess(String user, String password) {
    this.user = user;
    this.password = password;
  }

  /** The configured credentials, or empty when either the user or the password is not set. */
  public static Optional<OperatorAccess> fromConfig(Config config) {
    Config server = config.getConfig("taskforce.server");
    String user = server.getString("admin-user");
    String password = server.getString("admin-password");
    if (user.isEmpty() || password.isEmpty()) return Optional.empty();
    return Optional.of(new OperatorAccess(user, password));
  }

  /**
   * {@code inner} for a request that carries the operator's credentials; 401 with a basic
   * challenge otherwise. Its refusals, and those of {@code inner}, are answered as problems.
   */
  public Route guard(Function<String, Route> inner) {
    return Directives.handleRejections(AdminProblems.REJECTIONS,
        () -> Directives.authenticateBasic(REALM, this::verify, inner));
  }

  /** The operator's name when {@code givenUser} and {@code givenPassword} are the credentials. */
  public Optional<String> operator(String givenUser, String givenPassword) {
    // Both compared in constant time, and both always, so timing tells nothing of either.
    boolean userMatches = MessageDigest.isEqual(
        givenUser.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8));
    boolean passwordMatches = MessageDigest.isEqual(
        givenPassword.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    return userMatches & passwordMatches ? Optional.of(givenUser) : Optional.empty();
  }

  private Optional<String> verify(Optional<ProvidedCredentials> credentials) {
    return credentials
        .filter(c -> {
          // Both compared in constant time, and both always, so timing tells nothing of either.
          boolean userMatches = MessageDigest.isEqual(
              c.identifier().getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8));
          boolean passwordMatches = c.verify(password);
          return userMatches & passwordMatches;
        })
        .map(ProvidedCredentials::identifier);
  }
}
