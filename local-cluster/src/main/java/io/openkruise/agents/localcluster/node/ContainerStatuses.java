package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateRunning;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure: the container statuses a kubelet reports for a run, each with image, digest-style image ID,
 * container ID and restart count; running with started/ready from the probes, completed init
 * containers (running for restartable sidecars), or stopped with an exit code.
 */
final class ContainerStatuses {
  private ContainerStatuses() {}

  /** Every container of a running pod; ready once its probes have started and passed. */
  static List<ContainerStatus> running(PodRun run) {
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerRun c : run.containers()) {
      ProbeState probe = run.probe(c.name());
      statuses.add(
          base(c)
              .withReady(probe.started() && probe.ready())
              .withStarted(probe.started())
              .withState(running(c.startedAt()))
              .withLastState(
                  c.previousStartedAt() == null
                      ? null
                      : terminated(c.previousStartedAt(), c.previousFinishedAt()))
              .build());
    }
    return statuses;
  }

  /** Every container of the run stopped at {@code now} (whole seconds) with this exit. */
  static List<ContainerStatus> stopped(PodRun run, Instant now, int exitCode, String reason) {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerRun c : run.containers()) {
      ContainerState state = terminated(c.startedAt(), t);
      state.getTerminated().setExitCode(exitCode);
      state.getTerminated().setReason(reason);
      statuses.add(base(c).withReady(false).withStarted(false).withState(state).build());
    }
    return statuses;
  }

  /** The pod's init containers, all done when the pod started; null when it has none. */
  static List<ContainerStatus> init(Pod pod, PodRun run) {
    List<Container> inits = pod.getSpec().getInitContainers();
    if (inits == null || inits.isEmpty()) {
      return null;
    }
    List<ContainerStatus> out = new ArrayList<>();
    for (Container c : inits) {
      // Restartable init containers are sidecars: they keep running next to the main containers.
      boolean sidecar = "Always".equals(c.getRestartPolicy());
      ContainerRun r =
          ContainerRun.started(run.podUid(), c.getName(), c.getImage(), run.startTime());
      out.add(
          base(r)
              .withReady(true)
              .withStarted(sidecar)
              .withState(
                  sidecar ? running(run.startTime()) : terminated(run.startTime(), run.startTime()))
              .build());
    }
    return out;
  }

  private static ContainerStatusBuilder base(ContainerRun c) {
    return new ContainerStatusBuilder()
        .withName(c.name())
        .withImage(c.image())
        .withImageID(c.imageId())
        .withContainerID(c.containerId())
        .withRestartCount(c.restartCount());
  }

  private static ContainerState running(Instant since) {
    ContainerState s = new ContainerState();
    s.setRunning(new ContainerStateRunning(ApiTime.format(since)));
    return s;
  }

  private static ContainerState terminated(Instant started, Instant finished) {
    ContainerStateTerminated t = new ContainerStateTerminated();
    t.setExitCode(0);
    t.setReason("Completed");
    t.setStartedAt(ApiTime.format(started));
    t.setFinishedAt(ApiTime.format(finished));
    ContainerState s = new ContainerState();
    s.setTerminated(t);
    return s;
  }
}
