package io.taskforce.http.console;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the console's cluster view needs from the server it runs in: a check of the operator
 * credentials (the same HTTP basic credentials as the management routes) and the cluster's nodes
 * with their attempt slots. The server implements it, as it owns both the operator settings and the
 * view of the cluster's membership, and hands it to the {@code HttpApi} only when operator
 * credentials are configured; without one the console has no cluster view and its routes are not
 * served.
 */
public interface OperatorView {

  /** The realm of the {@code WWW-Authenticate: Basic} challenge (the management routes' own). */
  String realm();

  /** The operator's name when {@code user} and {@code password} are the operator credentials. */
  Optional<String> authenticate(String user, String password);

  /** Every node of the cluster, this one first. */
  CompletionStage<List<ClusterNode>> nodes();

  /**
   * One node as the cluster view shows it: its address, its membership status ({@code up},
   * {@code leaving}, …) and roles, whether this node's failure detector reaches it, and its attempt
   * slots: {@code running} attempts, its {@code maxRunning}, the {@code queued} attempts waiting for a
   * slot, and whether it is draining. The slot numbers are null (absent in JSON) for a member that
   * did not report its load (unreachable, or just starting or leaving).
   */
  record ClusterNode(String address, String status, List<String> roles, boolean reachable, Integer running,
      Integer maxRunning, Integer queued, boolean draining) {}
}
