package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;

/**
 * A deleted pod on this node: stop what runs it within its grace period, report its containers
 * terminated while finalizers hold it, then remove it with grace 0 as a kubelet does.
 */
record PodTermination(PodLauncher launcher, PodWrites writes, Clock clock) {

  /**
   * @param slot what runs the pod, or null when nothing does (any more)
   */
  void terminate(String key, Pod pod, PodSlot slot) {
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (slot != null) {
      launcher.stop(key, slot, stopWithin(grace));
      boolean held =
          pod.getMetadata().getFinalizers() != null && !pod.getMetadata().getFinalizers().isEmpty();
      if (held) {
        writes.writeStatus(pod, PodStatusPlanner.terminated(pod, slot.run, clock.instant()));
      }
    }
    if (grace != null && grace == 0) {
      return; // already asked for; finalizers hold it
    }
    writes.deleteNow(pod);
  }

  /** The pod's grace period (30 s when unset), at least a second. */
  static Duration stopWithin(Long graceSeconds) {
    return Duration.ofSeconds(Math.max(1, graceSeconds == null ? 30 : graceSeconds));
  }
}
