package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The simulated kubelet's view of one running pod: its address, start time, containers and probe
 * outcomes. Immutable; the node replaces it as things change.
 *
 * @param podUid the pod this run belongs to (a pod recreated under the same name is another run)
 * @param podIp the pod's loopback address
 * @param hostIp the node's address
 * @param startTime when the pod started (second precision, as the API server stores it)
 * @param containers one entry per spec container, in spec order
 * @param probes probe outcomes per container name
 */
public record PodRun(
    String podUid,
    String podIp,
    String hostIp,
    Instant startTime,
    List<ContainerRun> containers,
    Map<String, ProbeState> probes) {

  public PodRun {
    containers = List.copyOf(containers);
    probes = Map.copyOf(probes);
  }

  /** A fresh run: every container started now, nothing probed yet. */
  public static PodRun start(Pod pod, String podIp, String hostIp, Instant now) {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    String uid = pod.getMetadata().getUid();
    List<ContainerRun> runs = new ArrayList<>();
    Map<String, ProbeState> probes = new LinkedHashMap<>();
    for (Container c : pod.getSpec().getContainers()) {
      runs.add(ContainerRun.started(uid, c.getName(), c.getImage(), t));
      boolean hasStartup = c.getStartupProbe() != null;
      boolean hasReadiness = c.getReadinessProbe() != null;
      probes.put(
          c.getName(),
          new ProbeState(
              !hasStartup, !hasReadiness, hasStartup || hasReadiness ? "not probed yet" : null));
    }
    return new PodRun(uid, podIp, hostIp, t, runs, probes);
  }

  /**
   * Follows image changes in the spec (in-place update): each changed container restarts with the
   * new image. Returns this run when nothing changed.
   */
  public PodRun followImages(Pod pod, Instant now) {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    boolean changed = false;
    List<ContainerRun> next = new ArrayList<>();
    for (ContainerRun run : containers) {
      String wanted =
          pod.getSpec().getContainers().stream()
              .filter(c -> c.getName().equals(run.name()))
              .map(Container::getImage)
              .findFirst()
              .orElse(run.image());
      if (!Objects.equals(wanted, run.image())) {
        next.add(run.restartedWith(wanted, t));
        changed = true;
      } else {
        next.add(run);
      }
    }
    return changed ? new PodRun(podUid, podIp, hostIp, startTime, next, probes) : this;
  }

  public PodRun withProbe(String container, ProbeState state) {
    if (state.equals(probes.get(container))) {
      return this;
    }
    Map<String, ProbeState> next = new LinkedHashMap<>(probes);
    next.put(container, state);
    return new PodRun(podUid, podIp, hostIp, startTime, containers, next);
  }

  public ProbeState probe(String container) {
    return probes.getOrDefault(container, ProbeState.PASSING);
  }

  public Optional<ContainerRun> container(String name) {
    return containers.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** Every container started and ready. */
  public boolean containersReady() {
    return containers.stream().map(c -> probe(c.name())).allMatch(p -> p.started() && p.ready());
  }
}
