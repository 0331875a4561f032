package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;

/**
 * Pure kubelet logic: the pod status a node reports for a run. No I/O, so it is unit tested on
 * plain objects; {@link StatusPatch} turns it into the write.
 *
 * <p>What it reports, as a kubelet would: phase Running, pod and host IPs, start time, one status
 * per container ({@link ContainerStatuses}) and the pod conditions ({@link PodConditions}); after
 * the node stopped the pod, phase Succeeded (deleted) or Failed (killed) with stopped containers.
 */
public final class PodStatusPlanner {
  private PodStatusPlanner() {}

  /** Status of a running pod. */
  public static PodStatus running(Pod pod, PodRun run, Instant now) {
    List<ContainerStatus> statuses = ContainerStatuses.running(run);
    PodStatus s = new PodStatus();
    s.setPhase("Running");
    s.setHostIP(run.hostIp());
    s.setHostIPs(List.of(new HostIP(run.hostIp())));
    s.setPodIP(run.podIp());
    s.setPodIPs(List.of(new PodIP(run.podIp())));
    s.setStartTime(ApiTime.format(run.startTime()));
    s.setConditions(PodConditions.running(pod, statuses, now));
    s.setContainerStatuses(statuses);
    s.setInitContainerStatuses(ContainerStatuses.init(pod, run));
    return s;
  }

  /** Status after the node stopped the pod (kept visible while finalizers hold the pod). */
  public static PodStatus terminated(Pod pod, PodRun run, Instant now) {
    PodStatus s = new PodStatus();
    // A kubelet moves a deleted pod to a terminal phase; our containers stop cleanly (exit 0).
    s.setPhase("Succeeded");
    s.setConditions(PodConditions.finished(pod, "PodCompleted", now));
    s.setContainerStatuses(ContainerStatuses.stopped(run, now, 0, "Completed"));
    return s;
  }

  /**
   * Status after every container of a {@code restartPolicy: Never} pod was killed (SIGKILL, exit
   * 137): the pod failed, as a kubelet reports it.
   */
  public static PodStatus killed(Pod pod, PodRun run, Instant now) {
    PodStatus s = new PodStatus();
    s.setPhase("Failed");
    s.setPodIP(run.podIp());
    s.setHostIP(run.hostIp());
    s.setStartTime(ApiTime.format(run.startTime()));
    s.setConditions(PodConditions.finished(pod, "PodFailed", now));
    s.setContainerStatuses(ContainerStatuses.stopped(run, now, 137, "Error"));
    return s;
  }
}
