package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node's per-pod loop: every change of a pod queues its key, and one reconcile at a time per
 * key asks {@link PodStep} what to do and does it: bind ({@link PodScheduler}), run (launch, follow
 * images, probe, write status), kill on a test's request, or stop and terminate. Holds the slot of
 * every pod that runs here.
 */
final class PodReconciler implements AutoCloseable {
  private static final int WORKERS = 8;

  private final List<String> nodeNames;
  private final Clock clock;
  private final PodWrites writes;
  private final PodLauncher launcher;
  private final PodProber prober;
  private final PodTermination termination;
  private final PodScheduler scheduler;
  private final Map<String, PodSlot> slots = new ConcurrentHashMap<>();
  private final Set<String> kills = ConcurrentHashMap.newKeySet();
  private final Set<String> partitioned = ConcurrentHashMap.newKeySet();
  private final KeyedWorkQueue queue;
  private SharedIndexInformer<Pod> informer;
  private volatile boolean closed;

  /**
   * @param nodes our Nodes as the API server has them now, for the scheduler
   */
  PodReconciler(
      KubernetesClient client,
      LocalNodeOptions options,
      Vertx vertx,
      Clock clock,
      Supplier<List<Node>> nodes) {
    this.nodeNames = options.nodeNames();
    this.clock = clock;
    this.writes = new PodWrites(client);
    this.launcher = new PodLauncher(client, options, vertx, clock);
    this.prober = new PodProber(vertx, options.assumeUnservedPortsReady());
    this.termination = new PodTermination(launcher, writes, clock);
    this.scheduler = new PodScheduler(nodes, writes, clock);
    // Reconciles mostly wait on the API server: more threads than cores.
    this.queue = new KeyedWorkQueue("local-node", WORKERS, this::reconcile);
  }

  /** Starts following every pod in the cluster; returns once the pod cache is synced. */
  void watch(KubernetesClient client) {
    informer = client.pods().inAnyNamespace().inform(queue.addingEveryChange(), 0);
  }

  /** The pods running here, for tests that look inside. */
  RunningPods running() {
    return new RunningPods(slots);
  }

  /** The node's log file of a container ({@link ContainerProcesses#log}). */
  Path containerLog(String namespace, String pod, String container) {
    return launcher.containers().log(namespace, pod, container);
  }

  /** See {@link LocalNode#killPod}. */
  void requestKill(String namespace, String name) {
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

  /** From now on the pods bound to {@code nodeName} are neither followed nor reported. */
  void partition(String nodeName) {
    partitioned.add(nodeName);
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
    PodStep step = PodStep.of(pod, slot != null, nodeNames);
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

  private void kill(String key, Pod pod, PodSlot slot) {
    stop(key, slot, Duration.ofSeconds(1));
    writes.writeStatus(pod, PodStatusPlanner.killed(pod, slot.run, clock.instant()));
  }

  private void stop(String key, PodSlot slot, Duration grace) {
    slots.remove(key, slot);
    launcher.stop(key, slot, grace);
  }

  /** Stops following pods and stops every runtime; the pods stay in the API server. */
  @Override
  public void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
    queue.close();
    for (Map.Entry<String, PodSlot> e : List.copyOf(slots.entrySet())) {
      stop(e.getKey(), e.getValue(), Duration.ofSeconds(5));
    }
    prober.close();
    launcher.close();
  }
}
