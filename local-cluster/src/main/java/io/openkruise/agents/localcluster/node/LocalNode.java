package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.runtime.AgentRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A node simulator for the local cluster: kubelet and scheduler in one, running every pod as an
 * {@link AgentRuntime} on its own loopback address.
 *
 * <p>It registers Nodes ({@link RegisteredNodes}), and its per-pod loop ({@link PodReconciler})
 * binds unscheduled pods to them ({@link PodScheduler}), and for each pod bound to one of them
 * allocates a 127.x.y.z address and starts a runtime there, envd on 49983 and code interpreter on
 * 49999 ({@link PodLauncher}), runs the pod's startup and readiness probes against it ({@link
 * PodProber}) and writes the pod status ({@link PodStatusPlanner}, {@link PodWrites}). An image
 * change in the spec restarts that container's status with the new image ID (in-place update) and
 * keeps the pod Ready. When a pod is deleted it stops the runtime, then removes the pod with grace
 * 0 ({@link PodTermination}; the API server keeps it while finalizers remain).
 *
 * <p>Deviations from a kubelet, chosen for speed: see {@link PodProber}. exec and gRPC probes pass
 * without running. A probe against a port the runtime does not serve fails, so the pod stays
 * unready (set {@link LocalNodeOptions#assumeUnservedPortsReady()} to pass them instead).
 * Containers do not run their images: the runtime stands in for them, except where {@link
 * LocalNodeOptions#imageProcesses()} maps an image to a local command, which then runs as a real
 * process on the pod's address with the pod ServiceAccount's token ({@link ContainerProcesses}).
 * Container logs (process output, or the runtime's startup line) are served as a kubelet serves
 * them, so {@code pods/log} works ({@link ContainerLogServer}).
 */
public final class LocalNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalNode.class.getName());

  private final LocalNodeOptions options;
  private final Clock clock;
  private final Vertx vertx;
  private final PodReconciler pods;
  private ContainerLogServer logServer;
  private volatile RegisteredNodes nodes;
  private volatile boolean closed;

  private LocalNode(KubernetesClient client, LocalNodeOptions options, Clock clock) {
    this.options = options;
    this.clock = clock;
    Path workDir = options.workDir().toAbsolutePath();
    try {
      Files.createDirectories(workDir.resolve("pods"));
      Files.createDirectories(workDir.resolve("volumes"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Shared by all runtimes and probes; two event loops are plenty for loopback traffic.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    // The scheduler runs only once start() has registered the Nodes.
    this.pods = new PodReconciler(client, options, vertx, clock, () -> nodes.current());
  }

  /** Registers the Nodes and starts watching pods; returns once the pod cache is synced. */
  public static LocalNode start(KubernetesClient client, LocalNodeOptions options) {
    LocalNode node = new LocalNode(client, options, Clock.systemUTC());
    try {
      node.logServer = node.startLogServer(client);
      node.nodes =
          RegisteredNodes.register(
              client, options, node.logServer == null ? 0 : node.logServer.port(), node.clock);
      node.pods.watch(client);
      return node;
    } catch (RuntimeException e) {
      node.close();
      throw e;
    } catch (Exception e) {
      node.close();
      throw new IllegalStateException("cannot start the node's log endpoint", e);
    }
  }

  /** The kubelet log endpoint; none when the client names no cluster CA to check callers by. */
  private ContainerLogServer startLogServer(KubernetesClient client) throws Exception {
    String ca;
    try {
      ca = ContainerProcesses.caPem(client);
    } catch (IllegalStateException e) {
      LOG.warning("no container log endpoint (pods/log) on this node: " + e.getMessage());
      return null;
    }
    return ContainerLogServer.start(
        vertx,
        ca,
        (pod, container) -> {
          String[] nsName = pod.split("/", 2);
          return containerLog(nsName[0], nsName[1], container);
        },
        clock);
  }

  /**
   * A fault for tests: kills the containers of a running pod as a crash would (nothing answers on
   * its address any more) and reports the pod Failed with exit code 137. Only for pods with {@code
   * restartPolicy: Never}: a kubelet restarts the containers of any other pod in place, which this
   * simulator does not model.
   *
   * @throws IllegalArgumentException when the pod does not run here or may restart its containers
   */
  public void killPod(String namespace, String name) {
    pods.requestKill(namespace, name);
  }

  /**
   * A fault for tests: cuts {@code nodeName} off from the API server. Its Lease is no longer
   * renewed (needs {@link LocalNodeOptions#heartbeatEvery()}), and the node stops reporting and
   * following its pods: their runtimes keep running, their status stays as it was, deletions are
   * not carried out. What happens next is up to kube-controller-manager's node lifecycle
   * controller.
   */
  public void partition(String nodeName) {
    nodes.silence(nodeName);
    pods.partition(nodeName);
  }

  // ---- queries ----

  /** Names of the registered Nodes. */
  public List<String> nodeNames() {
    return options.nodeNames();
  }

  /** The pods running on this node now (addresses, runtimes, container processes). */
  public RunningPods pods() {
    return pods.running();
  }

  /**
   * The log of a container: the output of a container the node runs as a process ({@link
   * LocalNodeOptions#imageProcesses()}), or for one the runtime stands in for the runtime's startup
   * line; {@code <work dir>/logs/<ns>_<pod>_<container>.log}, kept after the pod is gone, served as
   * the kubelet's {@code containerLogs} ({@link ContainerLogServer}).
   */
  public Path containerLog(String namespace, String pod, String container) {
    return pods.containerLog(namespace, pod, container);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops watching and stops every runtime. Pods and Nodes stay in the API server. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (nodes != null) {
      nodes.close();
    }
    pods.close();
    if (logServer != null) {
      logServer.close();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warning("vertx did not close: " + e);
    }
  }
}
