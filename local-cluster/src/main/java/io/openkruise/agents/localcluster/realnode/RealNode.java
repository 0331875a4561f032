package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.process.ChildProcess;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import io.openkruise.agents.localcluster.process.RunDirs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * A real Kubernetes node on this machine, registered with a {@link LocalKubernetes}: containerd
 * (with runc and the CNI bridge) in a network namespace of its own and kubelet, both in their own
 * mount namespace and cgroup tree (see {@link NodePlan} for the layout). {@link #close()} and, if
 * this JVM dies first, a watchdog run {@code local-cluster/bin/real-node down}, which kills every
 * process in the run's cgroups (containers included) and deletes its namespaces: the pods' mounts
 * and network go with them.
 *
 * <p>kube-scheduler runs too: pods need no {@code spec.nodeName}. This class is the start order;
 * the pieces are {@link NodeNamespaces} (plumbing), {@link NodeConfigs} (files), {@link
 * NodeDaemons} (processes), {@link NodeRuntime} (containerd, kubelet), {@link NodeImages}, {@link
 * ServiceNetworking}, {@link ClusterDns} and {@link NetworkPolicyEnforcer}.
 */
public final class RealNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RealNode.class.getName());

  static final String RUN_DIR_PREFIX = "kruise-real-node-";

  /**
   * @param binaries null: resolve them with {@link NodeBinaries#resolve(PrintStream)}
   * @param tempParent where the run dir is created; must allow overlay mounts (not tmpfs on old
   *     kernels) and keep socket paths short
   */
  public record Options(
      NodeBinaries binaries, Path tempParent, Duration startTimeout, PrintStream progress) {
    public static Options defaults() {
      return new Options(null, Path.of("/tmp"), Duration.ofSeconds(120), System.err);
    }
  }

  private final LocalKubernetes cluster;
  private final NodeBinaries bins;
  private final Path script;
  private final Path runDir;
  private final ProcessWatchdog watchdog;
  private final NodeDaemons daemons;
  private final Thread shutdownHook;
  private NodePlan plan;
  private NodeImages images;
  private volatile TcpRelay relay;
  private volatile boolean closed;

  public static RealNode start(LocalKubernetes cluster) {
    return start(cluster, Options.defaults());
  }

  /**
   * Starts containerd and kubelet and waits until the node is Ready.
   *
   * @throws IllegalStateException with the failing daemon's log tail; nothing is left behind
   */
  public static RealNode start(LocalKubernetes cluster, Options options) {
    NodeBinaries bins =
        options.binaries() != null ? options.binaries() : NodeBinaries.resolve(options.progress());
    RealNode node = new RealNode(cluster, options, bins);
    boolean ok = false;
    try {
      node.bringUp();
      ok = true;
      return node;
    } finally {
      if (!ok) {
        node.close();
      }
    }
  }

  private RealNode(LocalKubernetes cluster, Options options, NodeBinaries bins) {
    this.cluster = cluster;
    this.bins = bins;
    this.script = NodeBinaries.plumbingScript();
    try {
      Files.createDirectories(options.tempParent());
      NodeNamespaces.reapStale(options.tempParent(), RUN_DIR_PREFIX, script);
      this.runDir = Files.createTempDirectory(options.tempParent(), RUN_DIR_PREFIX);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RunDirs.claim(runDir);
    this.watchdog =
        ProcessWatchdog.start(
            "kruise-real-node-watchdog",
            runDir.resolve("pids"),
            runDir,
            List.of("bash", script.toString(), "down", runDir.toString()));
    this.daemons = NodeDaemons.create(runDir, script, watchdog, options.startTimeout());
    this.shutdownHook = new Thread(this::close, "real-node-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  private void bringUp() {
    long t0 = System.nanoTime();
    plan = NodeNamespaces.up(runDir, script);
    NodeConfigs configs = new NodeConfigs(cluster, plan, runDir);
    configs.writeNodeConfigs(bins);
    NodeContext node = new NodeContext(cluster, plan, bins, daemons, configs);
    long tNet = System.nanoTime();
    images = new NodeImages(bins.ctr(), plan.containerdSocket());
    ChildProcess containerd = NodeRuntime.startContainerd(node, images);
    images.importImage(bins.pauseTar());
    long tContainerd = System.nanoTime();
    ChildProcess kubelet = NodeRuntime.startKubelet(node, containerd);
    List<ChildProcess> nodeDaemons = List.of(containerd, kubelet);
    startScheduler(configs);
    long tKubelet = System.nanoTime();
    relay = ServiceNetworking.start(node, nodeDaemons);
    long tProxy = System.nanoTime();
    ClusterDns.start(node, nodeDaemons);
    NetworkPolicyEnforcer.start(node, nodeDaemons);
    long tEnd = System.nanoTime();
    LOG.info(
        () ->
            String.format(
                "real node %s Ready in %d ms (network %d, containerd %s %d, kubelet %d,"
                    + " kube-proxy %d, CoreDNS %d; netns %s, pods %s, run dir %s)",
                NodePlan.NODE_NAME,
                ms(tEnd - t0),
                ms(tNet - t0),
                bins.containerdVersion(),
                ms(tContainerd - tNet),
                ms(tKubelet - tContainerd),
                ms(tProxy - tKubelet),
                ms(tEnd - tProxy),
                plan.netns(),
                plan.podCidr(),
                runDir));
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * kube-scheduler as {@code system:kube-scheduler} (bound by the API server's bootstrap RBAC), no
   * leader election, no serving port: Deployments' pods land on this node like on any cluster.
   */
  private void startScheduler(NodeConfigs configs) {
    Path kubeconfig = configs.onHost("kube-scheduler", "system:kube-scheduler", "kruise:scheduler");
    daemons.start(
        "kube-scheduler",
        "host",
        "new",
        List.of(
            bins.kubeScheduler().toString(),
            "--kubeconfig=" + kubeconfig,
            "--leader-elect=false",
            "--secure-port=0",
            "--v=1"));
  }

  /**
   * Imports a Docker "save" or OCI archive (a Jib {@code jib-image.tar}, a base image) into the
   * node's image store, where pods with {@code imagePullPolicy: Never} or IfNotPresent find it.
   */
  public void importImage(Path tar) {
    images.importImage(tar);
  }

  /** The last {@code lines} lines of every daemon's log, for failure messages. */
  public String logTails(int lines) {
    return daemons.logTails(lines);
  }

  public NodePlan plan() {
    return plan;
  }

  public String nodeName() {
    return NodePlan.NODE_NAME;
  }

  public Path runDir() {
    return runDir;
  }

  public NodeBinaries binaries() {
    return bins;
  }

  /** Kills containerd, kubelet and every container, removes the namespaces, cgroups and run dir. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    daemons.killAll();
    if (relay != null) {
      relay.close();
    }
    HostCommand.Result down = NodeNamespaces.down(runDir, script, Duration.ofMinutes(2));
    if (down.rc() != 0) {
      LOG.warning("real-node down failed (" + down.rc() + "):\n" + down.output());
    }
    watchdog.close();
    RunDirs.delete(runDir);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
  }
}
