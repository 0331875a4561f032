package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.runtime.AgentRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A node simulator for the local cluster: kubelet and scheduler in one, running every pod as an
 * {@link AgentRuntime} on its own loopback address.
 *
 * <p>It registers Nodes ({@link NodeRegistration}), binds unscheduled pods to them ({@link
 * PodScheduler}), and for each pod bound to one of them allocates a 127.x.y.z address and starts a
 * runtime there, envd on 49983 and code interpreter on 49999 ({@link PodLauncher}), runs the pod's
 * startup and readiness probes against it ({@link PodProber}) and writes the pod status ({@link
 * PodStatusPlanner}, {@link PodWrites}). An image change in the spec restarts that container's
 * status with the new image ID (in-place update) and keeps the pod Ready. When a pod is deleted it
 * stops the runtime, then removes the pod with grace 0 ({@link PodTermination}; the API server
 * keeps it while finalizers remain).
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

  /** Label on our Node objects. */
  public static final String NODE_LABEL = "agents.kruise.io/local-node";

  private static final int WORKERS = 8;

  private final KubernetesClient client;
  private final LocalNodeOptions options;
  private final Clock clock;
  private final Vertx vertx;
  private final PodWrites writes;
  private final PodLauncher launcher;
  private final PodProber prober;
  private final PodTermination termination;
  private final Map<String, PodSlot> slots = new ConcurrentHashMap<>();
  private final java.util.Set<String> kills = ConcurrentHashMap.newKeySet();
  private final KeyedWorkQueue queue;
  private PodScheduler scheduler;
  private ContainerLogServer logServer;
  private SharedIndexInformer<Pod> informer;
  private SharedIndexInformer<Node> nodeInformer;
  private NodeHeartbeat heartbeat;
  private final java.util.Set<String> partitioned = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LocalNode(KubernetesClient client, LocalNodeOptions options, Clock clock) {
    this.client = client;
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
    this.writes = new PodWrites(client);
    this.launcher = new PodLauncher(client, options, vertx, clock);
    this.prober = new PodProber(vertx, options.assumeUnservedPortsReady());
    this.termination = new PodTermination(launcher, writes, clock);
    // Reconciles mostly wait on the API server: more threads than cores.
    this.queue = new KeyedWorkQueue("local-node", WORKERS, this::reconcile);
  }

  /** Registers the Nodes and starts watching pods; returns once the pod cache is synced. */
  public static LocalNode start(KubernetesClient client, LocalNodeOptions options) {
    LocalNode node = new LocalNode(client, options, Clock.systemUTC());
    try {
      node.logServer = node.startLogServer(client);
      List<Node> registered =
          NodeRegistration.register(
              client,
              options.nodeNames(),
              node.logServer == null ? 0 : node.logServer.port(),
              node.clock.instant());
      // The scheduler reads the Nodes as they are now: a node lifecycle controller may mark one
      // NotReady and taint it.
      node.nodeInformer = client.nodes().withLabel(NODE_LABEL, "true").inform();
      node.scheduler =
          new PodScheduler(() -> node.currentNodes(registered), node.writes, node.clock);
      if (options.heartbeatEvery() != null) {
        node.heartbeat =
            new NodeHeartbeat(client, options.nodeNames(), options.heartbeatEvery(), node.clock);
        node.heartbeat.start();
      }
      node.informer = client.pods().inAnyNamespace().inform(node.queue.addingEveryChange(), 0);
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

  private void reconcile(String key) {
    if (closed) {
      return;
    }
    Pod pod = informer == null ? null : informer.getIndexer().getByKey(key);
    PodSlot slot = slots.get(key);
    if (slot != null && (pod == null || !slot.uid.equals(pod.getMetadata().getUid()))) {
      stop(key, slot, Duration.ofSeconds(30));
      slot = null;
    }
    if (pod == null) {
      return;
    }
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName != null && partitioned.contains(nodeName)) {
      return; // cut off: this node neither sees nor reports its pods any more
    }
    PodStep step = PodStep.of(pod, slot != null, options.nodeNames());
    if (step == PodStep.RUN && slot != null && kills.remove(key)) {
      kill(key, pod, slot);
      return;
    }
    switch (step) {
      case SCHEDULE -> scheduler.schedule(pod);
      case TERMINATE -> {
        if (slot != null) {
          slots.remove(key, slot);
        }
        termination.terminate(key, pod, slot);
      }
      case RUN -> run(key, pod, slot);
      case NOTHING -> {}
    }
  }

  /** Starts the pod unless it runs, follows its images, probes it and writes its status. */
  private void run(String key, Pod pod, PodSlot slot) {
    if (slot == null) {
      Optional<PodSlot> launched = launcher.launch(key, pod);
      if (launched.isEmpty()) {
        queue.addAfter(key, 1000);
        return;
      }
      slot = launched.get();
      slots.put(key, slot);
    }
    Instant now = clock.instant();
    slot.run = slot.run.followImages(pod, now);
    long nextProbe = prober.probe(pod, slot);
    writes.writeStatus(pod, PodStatusPlanner.running(pod, slot.run, now));
    if (nextProbe > 0) {
      queue.addAfter(key, nextProbe);
    }
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
    String key = namespace + "/" + name;
    Pod pod = informer == null ? null : informer.getIndexer().getByKey(key);
    if (pod == null || !slots.containsKey(key)) {
      throw new IllegalArgumentException("pod " + key + " does not run on this node");
    }
    if (!"Never".equals(pod.getSpec().getRestartPolicy())) {
      throw new IllegalArgumentException(
          "pod "
              + key
              + " has restartPolicy "
              + pod.getSpec().getRestartPolicy()
              + ": a kubelet would restart its containers, which the simulator does not model");
    }
    kills.add(key);
    queue.add(key);
  }

  private void kill(String key, Pod pod, PodSlot slot) {
    stop(key, slot, Duration.ofSeconds(1));
    writes.writeStatus(pod, PodStatusPlanner.killed(pod, slot.run, clock.instant()));
  }

  private void stop(String key, PodSlot slot, Duration grace) {
    slots.remove(key, slot);
    launcher.stop(key, slot, grace);
  }

  /** Our Nodes as the API server has them now; the registered ones until the cache is synced. */
  private List<Node> currentNodes(List<Node> registered) {
    List<Node> cached =
        nodeInformer == null
            ? List.of()
            : nodeInformer.getStore().list().stream()
                .filter(n -> options.nodeNames().contains(n.getMetadata().getName()))
                .toList();
    return cached.size() == options.nodeNames().size() ? cached : registered;
  }

  /**
   * A fault for tests: cuts {@code nodeName} off from the API server. Its Lease is no longer
   * renewed (needs {@link LocalNodeOptions#heartbeatEvery()}), and the node stops reporting and
   * following its pods: their runtimes keep running, their status stays as it was, deletions are
   * not carried out. What happens next is up to kube-controller-manager's node lifecycle
   * controller.
   */
  public void partition(String nodeName) {
    if (!options.nodeNames().contains(nodeName)) {
      throw new IllegalArgumentException(nodeName + " is not one of " + options.nodeNames());
    }
    if (heartbeat == null) {
      throw new IllegalStateException("the node sends no heartbeats (heartbeatEvery is unset)");
    }
    heartbeat.stop(nodeName);
    partitioned.add(nodeName);
  }

  // ---- queries ----

  /** Names of the registered Nodes. */
  public List<String> nodeNames() {
    return options.nodeNames();
  }

  /** Pods running on this node. */
  public int runningPods() {
    return slots.size();
  }

  /** The loopback address of a running pod. */
  public Optional<String> podIp(String namespace, String name) {
    return Optional.ofNullable(slots.get(namespace + "/" + name)).map(s -> s.ip);
  }

  /**
   * The log of a container: the output of a container the node runs as a process ({@link
   * LocalNodeOptions#imageProcesses()}), or for one the runtime stands in for the runtime's startup
   * line; {@code <work dir>/logs/<ns>_<pod>_<container>.log}, kept after the pod is gone, served as
   * the kubelet's {@code containerLogs} ({@link ContainerLogServer}).
   */
  public Path containerLog(String namespace, String pod, String container) {
    return launcher.containers().log(namespace, pod, container);
  }

  /** The process of a running pod's container, when the node runs it as one. */
  public Optional<ProcessHandle> containerProcess(String namespace, String pod, String container) {
    return Optional.ofNullable(slots.get(namespace + "/" + pod))
        .map(s -> s.processes.get(container))
        .flatMap(p -> ProcessHandle.of(p.pid()));
  }

  /** The runtime serving a running pod (for tests that look inside). */
  public Optional<AgentRuntime> runtime(String namespace, String name) {
    return Optional.ofNullable(slots.get(namespace + "/" + name)).map(s -> s.runtime);
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
    if (heartbeat != null) {
      heartbeat.close();
    }
    if (nodeInformer != null) {
      nodeInformer.close();
    }
    if (informer != null) {
      informer.close();
    }
    queue.close();
    for (Map.Entry<String, PodSlot> e : List.copyOf(slots.entrySet())) {
      stop(e.getKey(), e.getValue(), Duration.ofSeconds(5));
    }
    prober.close();
    launcher.close();
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
