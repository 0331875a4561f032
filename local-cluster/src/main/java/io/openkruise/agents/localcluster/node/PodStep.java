package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** What the node does next for a pod it sees (pure: the pod, whether it runs it, its nodes). */
enum PodStep {
  /** Not ours, scheduled by another scheduler, or finished before we ran it. */
  NOTHING,
  /** Unbound and ours to bind. */
  SCHEDULE,
  /** On one of our nodes and being deleted. */
  TERMINATE,
  /** On one of our nodes: start it if it is not running, probe it, write its status. */
  RUN;

  static PodStep of(Pod pod, boolean running, List<String> ourNodes) {
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName == null || nodeName.isEmpty()) {
      return NodePicker.needsScheduling(pod) ? SCHEDULE : NOTHING;
    }
    if (!ourNodes.contains(nodeName)) {
      return NOTHING;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return TERMINATE;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (!running && ("Succeeded".equals(phase) || "Failed".equals(phase))) {
      return NOTHING;
    }
    return RUN;
  }
}
