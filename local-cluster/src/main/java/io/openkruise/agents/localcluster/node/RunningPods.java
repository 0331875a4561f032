package io.openkruise.agents.localcluster.node;

import io.openkruise.agents.runtime.AgentRuntime;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only look at the pods a {@link LocalNode} runs now, by namespace and name, for tests that
 * look inside: how many, their addresses, runtimes and container processes.
 */
public final class RunningPods {
  private final Map<String, PodSlot> slots;

  /**
   * @param slots the node's live table by {@code namespace/name}: reads follow it
   */
  RunningPods(Map<String, PodSlot> slots) {
    this.slots = slots;
  }

  /** Pods running on this node. */
  public int count() {
    return slots.size();
  }

  /** The loopback address of a running pod. */
  public Optional<String> podIp(String namespace, String name) {
    return slot(namespace, name).map(s -> s.ip);
  }

  /** The process of a running pod's container, when the node runs it as one. */
  public Optional<ProcessHandle> containerProcess(String namespace, String pod, String container) {
    return slot(namespace, pod)
        .map(s -> s.processes.get(container))
        .flatMap(p -> ProcessHandle.of(p.pid()));
  }

  /** The runtime serving a running pod. */
  public Optional<AgentRuntime> runtime(String namespace, String name) {
    return slot(namespace, name).map(s -> s.runtime);
  }

  private Optional<PodSlot> slot(String namespace, String name) {
    return Optional.ofNullable(slots.get(namespace + "/" + name));
  }
}
