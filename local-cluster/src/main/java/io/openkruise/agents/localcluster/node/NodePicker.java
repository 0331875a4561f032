package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler's decision, kept minimal: pods that name our scheduler (or none) go round-robin to
 * the nodes whose labels match their {@code nodeSelector}, that are Ready and whose NoSchedule and
 * NoExecute taints they tolerate. Affinity and resources are not considered: every simulated node
 * has room for any pod.
 */
public final class NodePicker {
  public static final String DEFAULT_SCHEDULER = "default-scheduler";

  private NodePicker() {}

  /** Whether this pod waits for us to schedule it. */
  public static boolean needsScheduling(Pod pod) {
    String scheduler = pod.getSpec().getSchedulerName();
    return (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty())
        && pod.getMetadata().getDeletionTimestamp() == null
        && (scheduler == null || scheduler.isEmpty() || DEFAULT_SCHEDULER.equals(scheduler));
  }

  /**
   * @param turn a counter the caller increments per decision (round-robin)
   * @return the chosen node's name, or empty when no node matches the pod's node selector
   */
  public static Optional<String> pick(Pod pod, List<Node> nodes, long turn) {
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    List<Node> fit =
        nodes.stream()
            .filter(
                n ->
                    selector == null
                        || selector.isEmpty()
                        || (n.getMetadata().getLabels() != null
                            && n.getMetadata()
                                .getLabels()
                                .entrySet()
                                .containsAll(selector.entrySet())))
            .filter(NodePicker::ready)
            .filter(n -> toleratesTaints(pod, n))
            .toList();
    if (fit.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        fit.get((int) Math.floorMod(turn, (long) fit.size())).getMetadata().getName());
  }

  /** A node whose Ready condition says anything but True takes no new pods (none: registering). */
  static boolean ready(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return true;
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .allMatch(c -> "True".equals(c.getStatus()));
  }

  /**
   * True when every NoSchedule and NoExecute taint of the node is tolerated by the pod (the node
   * lifecycle controller taints a node that stopped reporting with {@code
   * node.kubernetes.io/unreachable}).
   */
  static boolean toleratesTaints(Pod pod, Node node) {
    List<Taint> taints =
        node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    List<Toleration> tolerations =
        pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    return taints.stream()
        .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
        .allMatch(t -> tolerations.stream().anyMatch(tol -> tolerates(tol, t)));
  }

  private static boolean tolerates(Toleration tol, Taint taint) {
    if (tol.getEffect() != null
        && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (tol.getKey() == null || tol.getKey().isEmpty()) {
      return "Exists".equals(tol.getOperator());
    }
    if (!tol.getKey().equals(taint.getKey())) {
      return false;
    }
    return "Exists".equals(tol.getOperator())
        || java.util.Objects.equals(
            tol.getValue() == null ? "" : tol.getValue(),
            taint.getValue() == null ? "" : taint.getValue());
  }

  /**
   * The status that says no node fits, or empty when the pod already says so.
   *
   * @param nodeCount how many nodes there are (for the message)
   */
  public static Optional<PodStatus> unschedulable(Pod pod, int nodeCount, Instant now) {
    boolean already =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()));
    if (already) {
      return Optional.empty();
    }
    PodCondition c = new PodCondition();
    c.setType("PodScheduled");
    c.setStatus("False");
    c.setReason("Unschedulable");
    c.setMessage(
        "0/"
            + nodeCount
            + " nodes are available: node(s) didn't match Pod's node selector, were not ready"
            + " or had untolerated taints.");
    c.setLastTransitionTime(ApiTime.format(now));
    PodStatus s = new PodStatus();
    s.setConditions(List.of(c));
    s.setPhase("Pending");
    return Optional.of(s);
  }
}
