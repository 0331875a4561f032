package io.openkruise.agents.localcluster.node;

import io.openkruise.agents.runtime.RuntimeOptions;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link LocalNode}; build with {@link #builder(Path)}.
 *
 * @param nodeNames Nodes to register (pods are spread over them round-robin)
 * @param workDir holds {@code pods/<ns>_<name>_<uid>} (each runtime's root) and {@code volumes}
 * @param vertx shared by all runtimes and probes; null: the node creates (and closes) its own
 * @param firstAddress first pod address handed out
 * @param envdPort envd port on every pod address
 * @param codeInterpreter whether runtimes serve the code interpreter
 * @param codeInterpreterPort its port
 * @param probeRetry delay between attempts while a probe fails
 * @param assumeUnservedPortsReady pass probes against ports no runtime serves instead of failing
 * @param workers reconcile threads (the work is mostly waiting on the API server)
 * @param imageProcesses image repository (no registry, tag or digest) to the local process that
 *     stands in for it: such containers run as real processes on the pod's address with the pod
 *     ServiceAccount's token; all other containers are served by the runtime
 */
public record LocalNodeOptions(
    List<String> nodeNames,
    Path workDir,
    Vertx vertx,
    String firstAddress,
    int envdPort,
    boolean codeInterpreter,
    int codeInterpreterPort,
    Duration probeRetry,
    boolean assumeUnservedPortsReady,
    int workers,
    Map<String, ImageProcess> imageProcesses) {

  public LocalNodeOptions {
    nodeNames = List.copyOf(nodeNames);
    Objects.requireNonNull(workDir, "workDir");
    imageProcesses = Map.copyOf(imageProcesses);
  }

  /** The defaults: one node {@code local-node-0}, pods from 127.1.0.2, the runtime's ports. */
  public static LocalNodeOptions defaults(Path workDir) {
    return builder(workDir).build();
  }

  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  /**
   * Starts from the defaults; each setter overrides one. Only settings some caller changes have a
   * setter: the canonical constructor sets them all.
   */
  public static final class Builder {
    private final Path workDir;
    private List<String> nodeNames = List.of("local-node-0");
    private boolean assumeUnservedPortsReady;
    private Map<String, ImageProcess> imageProcesses = Map.of();

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    public Builder nodeNames(List<String> names) {
      this.nodeNames = names;
      return this;
    }

    public Builder assumeUnservedPortsReady(boolean assume) {
      this.assumeUnservedPortsReady = assume;
      return this;
    }

    public Builder imageProcesses(Map<String, ImageProcess> processes) {
      this.imageProcesses = processes;
      return this;
    }

    public LocalNodeOptions build() {
      return new LocalNodeOptions(
          nodeNames,
          workDir,
          null,
          "127.1.0.2",
          RuntimeOptions.DEFAULT_ENVD_PORT,
          true,
          RuntimeOptions.DEFAULT_CODE_INTERPRETER_PORT,
          Duration.ofMillis(100),
          assumeUnservedPortsReady,
          8,
          imageProcesses);
    }
  }
}
