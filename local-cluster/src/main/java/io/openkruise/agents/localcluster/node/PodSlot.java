package io.openkruise.agents.localcluster.node;

import io.openkruise.agents.runtime.AgentRuntime;
import java.nio.file.Path;
import java.util.Map;

/**
 * One pod on the node: its runtime and process containers, its address and root, and what the node
 * last observed ({@link PodRun}). Touched only by the pod's reconcile (one key at a time).
 */
final class PodSlot {
  final String uid;
  final String ip;
  final Path root;
  final AgentRuntime runtime;
  final Map<String, ProcessContainer> processes;
  PodRun run;
  long nextProbeNanos;

  PodSlot(Path root, AgentRuntime runtime, Map<String, ProcessContainer> processes, PodRun run) {
    this.uid = run.podUid();
    this.ip = run.podIp();
    this.root = root;
    this.runtime = runtime;
    this.processes = processes;
    this.run = run;
  }
}
