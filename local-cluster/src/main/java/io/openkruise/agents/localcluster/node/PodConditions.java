package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Pure: the pod conditions a kubelet reports. Ready also needs every readiness gate's condition to
 * be True; a condition keeps its transition time while its status does not change.
 */
final class PodConditions {
  static final String READY = "Ready";
  static final String CONTAINERS_READY = "ContainersReady";
  static final String INITIALIZED = "Initialized";
  static final String SCHEDULED = "PodScheduled";
  static final String READY_TO_START = "PodReadyToStartContainers";

  private PodConditions() {}

  /**
   * PodReadyToStartContainers, Initialized, ContainersReady, Ready and PodScheduled of a running
   * pod whose containers report {@code statuses}.
   */
  static List<PodCondition> running(Pod pod, List<ContainerStatus> statuses, Instant now) {
    PodStatus current = current(pod);
    List<String> unready =
        statuses.stream().filter(s -> !s.getReady()).map(ContainerStatus::getName).toList();
    boolean containersReady = unready.isEmpty();
    String unreadyMessage = containersReady ? null : "containers with unready status: " + unready;
    List<String> gatesOpen = closedReadinessGates(pod);
    boolean podReady = containersReady && gatesOpen.isEmpty();
    String podMessage =
        !containersReady
            ? unreadyMessage
            : gatesOpen.isEmpty()
                ? null
                : "corresponding condition of pod readiness gate "
                    + gatesOpen
                    + " does not exist or is not True";

    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(current, READY_TO_START, true, null, null, now));
    conditions.add(condition(current, INITIALIZED, true, null, null, now));
    conditions.add(
        condition(
            current,
            CONTAINERS_READY,
            containersReady,
            containersReady ? null : "ContainersNotReady",
            unreadyMessage,
            now));
    conditions.add(
        condition(
            current,
            READY,
            podReady,
            podReady ? null : containersReady ? "ReadinessGatesNotReady" : "ContainersNotReady",
            podMessage,
            now));
    conditions.add(condition(current, SCHEDULED, true, null, null, now));
    return conditions;
  }

  /**
   * The conditions of a pod whose containers all ended ({@code PodCompleted}, {@code PodFailed}).
   */
  static List<PodCondition> finished(Pod pod, String reason, Instant now) {
    PodStatus current = current(pod);
    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(current, READY_TO_START, false, null, null, now));
    conditions.add(condition(current, CONTAINERS_READY, false, reason, null, now));
    conditions.add(condition(current, READY, false, reason, null, now));
    return conditions;
  }

  private static PodStatus current(Pod pod) {
    return pod.getStatus() == null ? new PodStatus() : pod.getStatus();
  }

  private static List<String> closedReadinessGates(Pod pod) {
    List<PodReadinessGate> gates = pod.getSpec().getReadinessGates();
    if (gates == null || gates.isEmpty()) {
      return List.of();
    }
    List<PodCondition> have =
        pod.getStatus() == null || pod.getStatus().getConditions() == null
            ? List.of()
            : pod.getStatus().getConditions();
    return gates.stream()
        .map(PodReadinessGate::getConditionType)
        .filter(
            type ->
                have.stream()
                    .noneMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus())))
        .toList();
  }

  private static PodCondition condition(
      PodStatus current, String type, boolean value, String reason, String message, Instant now) {
    String status = value ? "True" : "False";
    Optional<PodCondition> old =
        current.getConditions() == null
            ? Optional.empty()
            : current.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    String since =
        old.filter(c -> status.equals(c.getStatus()))
            .map(PodCondition::getLastTransitionTime)
            .filter(Objects::nonNull)
            .orElse(ApiTime.format(now));
    PodCondition c = new PodCondition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setLastTransitionTime(since);
    return c;
  }
}
