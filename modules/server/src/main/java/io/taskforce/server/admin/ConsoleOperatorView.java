package io.taskforce.server.admin;

import io.taskforce.Taskforce;
import io.taskforce.api.NodeLoad;
import io.taskforce.http.console.OperatorView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The console's cluster view on the API port ({@link OperatorView}): the operator credentials of
 * {@link OperatorAccess}, and {@code GET /admin/nodes}'s per-node load ({@link Taskforce#nodes()})
 * joined with this node's view of the cluster's membership (status, roles, reachability). A member
 * that did not report its load is listed too, without slot numbers, so a node that is down shows.
 */
public final class ConsoleOperatorView implements OperatorView {
  private final OperatorAccess access;
  private final Taskforce taskforce;

  private ConsoleOperatorView(OperatorAccess access, Taskforce taskforce) {
    this.access = access;
    this.taskforce = taskforce;
  }

  /** The view when operator credentials are configured; empty (no cluster view) otherwise. */
  public static Optional<OperatorView> of(Optional<OperatorAccess> access, Taskforce taskforce) {
    return access.map(a -> new ConsoleOperatorView(a, taskforce));
  }

  @Override
  public String realm() {
    return OperatorAccess.REALM;
  }

  @Override
  public Optional<String> authenticate(String user, String password) {
    return access.operator(user, password);
  }

  @Override
  public CompletionStage<List<ClusterNode>> nodes() {
    return taskforce.nodes().thenApply(loads -> {
      ClusterEvent.CurrentClusterState state = Cluster.get(taskforce.system()).state();
      Map<String, Member> members = new HashMap<>();
      for (Member member : state.getMembers()) members.put(member.address().toString(), member);
      Set<String> unreachable = new HashSet<>();
      for (Member member : state.getUnreachable()) unreachable.add(member.address().toString());
      List<ClusterNode> nodes = new ArrayList<>();
      Set<String> listed = new HashSet<>();
      for (NodeLoad load : loads) { // this node first, then by address
        Member member = members.get(load.address());
        nodes.add(new ClusterNode(load.address(), status(member), roles(member), !unreachable.contains(load.address()),
            load.running(), load.maxRunning(), load.queued(), load.draining()));
        listed.add(load.address());
      }
      members.values().stream()
          .filter(member -> !listed.contains(member.address().toString()))
          .sorted((a, b) -> a.address().toString().compareTo(b.address().toString()))
          .forEach(member -> nodes.add(new ClusterNode(member.address().toString(), status(member), roles(member),
              !unreachable.contains(member.address().toString()), null, null, null, false)));
      return List.copyOf(nodes);
    });
  }

  /** {@code up}, {@code joining}, {@code leaving}, … as Pekko names the member's status, in lower case. */
  private static String status(Member member) {
    return member == null ? "unknown" : member.status().toString().toLowerCase(Locale.ROOT);
  }

  /** The member's roles, without the data-center role Pekko gives every member ({@code dc-default}). */
  private static List<String> roles(Member member) {
    if (member == null) return List.of();
    return member.getRoles().stream().filter(role -> !role.startsWith("dc-")).sorted().toList();
  }
}
