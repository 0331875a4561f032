package io.openkruise.agents.localcluster.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link LocalNode}; build with {@link #builder(Path)}. The rest is fixed: pods get
 * addresses from 127.1.0.2 on, runtimes serve envd and the code interpreter on their default ports
 * ({@link PodLauncher}), failing probes are retried every 100 ms ({@link PodProber}).
 *
 * @param nodeNames Nodes to register (pods are spread over them round-robin)
 * @param workDir holds {@code pods/<ns>_<name>_<uid>} (each runtime's root), {@code volumes} and
 *     {@code logs}
 * @param assumeUnservedPortsReady pass probes against ports no runtime serves instead of failing
 * @param imageProcesses image repository (no registry, tag or digest) to the local process that
 *     stands in for it: such containers run as real processes on the pod's address with the pod
 *     ServiceAccount's token; all other containers are served by the runtime
 * @param heartbeatEvery how often each node renews its Lease in {@code kube-node-lease}, as a
 *     kubelet does (needed when kube-controller-manager runs its node lifecycle controller); null:
 *     no heartbeat, the Nodes stay as registered
 */
public record LocalNodeOptions(
    List<String> nodeNames,
    Path workDir,
    boolean assumeUnservedPortsReady,
    Map<String, ImageProcess> imageProcesses,
    Duration heartbeatEvery) {

  public LocalNodeOptions {
    nodeNames = List.copyOf(nodeNames);
    Objects.requireNonNull(workDir, "workDir");
    imageProcesses = Map.copyOf(imageProcesses);
  }

  /** One node {@code local-node-0}, unserved ports fail their probes, no image processes. */
  public static LocalNodeOptions defaults(Path workDir) {
    return builder(workDir).build();
  }

  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  /** Starts from {@link #defaults}; each setter overrides one setting. */
  public static final class Builder {
    private final Path workDir;
    private List<String> nodeNames = List.of("local-node-0");
    private boolean assumeUnservedPortsReady;
    private Map<String, ImageProcess> imageProcesses = Map.of();
    private Duration heartbeatEvery;

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    /** Default: {@code local-node-0}. */
    public Builder nodeNames(List<String> names) {
      this.nodeNames = names;
      return this;
    }

    /** Default: false (a probe against a port nothing serves fails, as on a kubelet). */
    public Builder assumeUnservedPortsReady(boolean assume) {
      this.assumeUnservedPortsReady = assume;
      return this;
    }

    /** Default: none (the runtime stands in for every container). */
    public Builder imageProcesses(Map<String, ImageProcess> processes) {
      this.imageProcesses = processes;
      return this;
    }

    /**
     * Default: none (see {@link LocalNodeOptions#heartbeatEvery()}); a kubelet renews every 10 s.
     */
    public Builder heartbeatEvery(Duration every) {
      this.heartbeatEvery = every;
      return this;
    }

    public LocalNodeOptions build() {
      return new LocalNodeOptions(
          nodeNames, workDir, assumeUnservedPortsReady, imageProcesses, heartbeatEvery);
    }
  }
}
