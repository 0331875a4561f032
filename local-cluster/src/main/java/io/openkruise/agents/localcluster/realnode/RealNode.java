package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.kube.Pki;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Kubernetes node on this machine, registered with a {@link LocalKubernetes}: containerd
 * (with runc and the CNI bridge) in a network namespace of its own and kubelet, both in their own
 * mount namespace and cgroup tree (see {@link NodePlan} for the layout). {@link #close()} and, if
 * this JVM dies first, a watchdog run {@code local-cluster/bin/real-node down}, which kills every
 * process in the run's cgroups (containers included) and deletes its namespaces: the pods' mounts
 * and network go with them.
 *
 * <p>kube-scheduler runs too: pods need no {@code spec.nodeName}.
 */
public final class RealNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RealNode.class.getName());

  static final String RUN_DIR_PREFIX = "kruise-real-node-";
  static final String OWNER_FILE = "owner";

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
  private final Options options;
  private final NodeBinaries bins;
  private final Path script;
  private final Path runDir;
  private final NodePlan plan;
  private final ProcessWatchdog watchdog;
  private final List<Child> children = new ArrayList<>();
  private final Thread shutdownHook;
  private volatile TcpRelay relay;
  private volatile boolean closed;

  /** One daemon and its log. */
  record Child(String name, Process process, Path log) {
    String tail(int lines) {
      try {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n    ", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }
  }

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
    return new RealNode(cluster, options, bins);
  }

  private RealNode(LocalKubernetes cluster, Options options, NodeBinaries bins) {
    this.cluster = cluster;
    this.options = options;
    this.bins = bins;
    this.script = NodeBinaries.plumbingScript();
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(options.tempParent());
      reapStale(options.tempParent(), script);
      this.runDir = Files.createTempDirectory(options.tempParent(), RUN_DIR_PREFIX);
      Files.writeString(runDir.resolve(OWNER_FILE), ownerId(ProcessHandle.current()));
      Files.createDirectories(runDir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.watchdog =
        ProcessWatchdog.start(
            "kruise-real-node-watchdog",
            runDir.resolve("pids"),
            runDir,
            List.of("bash", script.toString(), "down", runDir.toString()));
    this.shutdownHook = new Thread(this::close, "real-node-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    boolean ok = false;
    try {
      this.plan = plumbUp();
      writeConfigs();
      long tNet = System.nanoTime();
      Child containerd =
          startDaemon(
              "containerd",
              "node",
              "new",
              List.of(
                  bins.containerd().toString(),
                  "--config",
                  runDir.resolve("containerd.toml").toString()));
      await(
          "containerd",
          () -> Files.exists(plan.containerdSocket()) && ctr("version").rc() == 0,
          List.of(containerd));
      importImage(bins.pauseTar());
      long tContainerd = System.nanoTime();
      Child kubelet =
          startDaemon(
              "kubelet",
              "host",
              Long.toString(containerd.process().pid()),
              List.of(
                  bins.kubelet().toString(),
                  "--config=" + runDir.resolve("kubelet.yaml"),
                  "--kubeconfig=" + runDir.resolve("kubelet.kubeconfig"),
                  "--root-dir=" + plan.kubeletDir(),
                  "--cert-dir=" + plan.kubeletDir().resolve("pki"),
                  "--hostname-override=" + NodePlan.NODE_NAME,
                  "--node-ip=" + plan.hostIp(),
                  "--v=1"));
      await("node " + NodePlan.NODE_NAME + " Ready", this::nodeReady, List.of(containerd, kubelet));
      untaintReadyNode();
      startScheduler();
      long tKubelet = System.nanoTime();
      startServices(containerd, kubelet);
      long tProxy = System.nanoTime();
      startDns(containerd, kubelet);
      NetworkPolicyEnforcer.start(this, cluster, containerd, kubelet);
      ok = true;
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
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /** Picks a free index and creates the namespace, veth and cgroups; retries on a clash. */
  private NodePlan plumbUp() {
    int from = 1;
    for (int attempt = 0; attempt < 5; attempt++) {
      Set<String> netns =
          run(List.of("ip", "netns", "list"), Duration.ofSeconds(10))
              .output()
              .lines()
              .map(l -> l.split(" ")[0])
              .collect(Collectors.toSet());
      String routes = run(List.of("ip", "route"), Duration.ofSeconds(10)).output();
      NodePlan p = new NodePlan(NodePlan.pickIndex(from, netns, routes), runDir);
      try {
        Files.writeString(runDir.resolve("node.conf"), p.nodeConf());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Result up =
          run(List.of("bash", script.toString(), "up", runDir.toString()), Duration.ofSeconds(30));
      if (up.rc() == 0) {
        return p;
      }
      // Another run took the index between our look and our claim: undo ours, try the next.
      run(List.of("bash", script.toString(), "down", runDir.toString()), Duration.ofSeconds(60));
      if (!up.output().contains("File exists")) {
        throw new IllegalStateException("real-node up failed:\n" + up.output());
      }
      from = p.index() + 1;
    }
    throw new IllegalStateException("cannot claim a real-node index after 5 attempts");
  }

  /**
   * kubelet registers the node with the {@code node.kubernetes.io/not-ready:NoSchedule} taint; the
   * node lifecycle controller removes it once the node is Ready. LocalKubernetes does not run that
   * controller (its simulated nodes need none), so we do its one job here.
   */
  private void untaintReadyNode() {
    cluster
        .client()
        .nodes()
        .withName(NodePlan.NODE_NAME)
        .edit(
            n -> {
              if (n.getSpec().getTaints() != null) {
                n.getSpec()
                    .setTaints(
                        n.getSpec().getTaints().stream()
                            .filter(t -> !"node.kubernetes.io/not-ready".equals(t.getKey()))
                            .toList());
              }
              return n;
            });
  }

  /**
   * kube-scheduler as {@code system:kube-scheduler} (bound by the API server's bootstrap RBAC), no
   * leader election, no serving port: Deployments' pods land on this node like on any cluster.
   */
  private void startScheduler() {
    try {
      Path kubeconfig = runDir.resolve("kube-scheduler.kubeconfig");
      Files.writeString(
          kubeconfig,
          kubeconfig(
              cluster.pki().issueClientCertificate("system:kube-scheduler", "kruise:scheduler"),
              cluster.apiServerUrl().toString(),
              null));
      startDaemon(
          "kube-scheduler",
          "host",
          "new",
          List.of(
              bins.kubeScheduler().toString(),
              "--kubeconfig=" + kubeconfig,
              "--leader-elect=false",
              "--secure-port=0",
              "--v=1"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Services: the API server's {@code kubernetes} Service gets the relay on the host end of the
   * veth as its endpoint (the API server itself listens on loopback only), and kube-proxy programs
   * the node namespace's iptables.
   */
  private void startServices(Child containerd, Child kubelet) {
    int apiPort = cluster.apiServerUrl().getPort();
    relay = TcpRelay.start(plan.hostIp(), apiPort, java.net.InetAddress.getLoopbackAddress());
    publishApiServerEndpoint(apiPort);
    try {
      Pki.Credentials proxyCreds =
          cluster.pki().issueClientCertificate("system:kube-proxy", "kruise:kube-proxy");
      Path kubeconfig = runDir.resolve("kube-proxy.kubeconfig");
      Files.writeString(
          kubeconfig,
          kubeconfig(proxyCreds, "https://" + plan.hostIp() + ":" + apiPort, "kubernetes"));
      Files.writeString(runDir.resolve("kube-proxy.yaml"), plan.kubeProxyConfig(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Child proxy =
        startDaemon(
            "kube-proxy",
            "node",
            "new",
            List.of(
                bins.kubeProxy().toString(),
                "--config=" + runDir.resolve("kube-proxy.yaml"),
                "--v=1"));
    await(
        "kube-proxy (the kubernetes Service in the node namespace's iptables)",
        () ->
            run(
                    List.of(
                        "nsenter",
                        "--net=/run/netns/" + plan.netns(),
                        "iptables",
                        "-t",
                        "nat",
                        "-S",
                        "KUBE-SERVICES"),
                    Duration.ofSeconds(10))
                .output()
                .contains("10.96.0.1/32"),
        List.of(containerd, kubelet, proxy));
  }

  private void publishApiServerEndpoint(int apiPort) {
    publishEndpoint("default", "kubernetes", plan.hostIp(), List.of(port("https", apiPort, "TCP")));
  }

  private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort port(
      String name, int port, String protocol) {
    return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder()
        .withName(name)
        .withPort(port)
        .withProtocol(protocol)
        .build();
  }

  /** An EndpointSlice that points a selector-less Service at a node-side address. */
  private void publishEndpoint(
      String namespace,
      String service,
      String address,
      List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports) {
    io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice =
        new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder()
            .withNewMetadata()
            .withName(service + "-real-node")
            .withNamespace(namespace)
            .addToLabels("kubernetes.io/service-name", service)
            .addToLabels("endpointslice.kubernetes.io/managed-by", "kruise-agents.local-cluster")
            .endMetadata()
            .withAddressType("IPv4")
            .addNewEndpoint()
            .withAddresses(address)
            .withNewConditions()
            .withReady(true)
            .endConditions()
            .endEndpoint()
            .withPorts(ports)
            .build();
    cluster.client().resource(slice).createOr(r -> r.update());
  }

  /**
   * Cluster DNS: CoreDNS in the node namespace behind the kube-system/kube-dns Service ({@link
   * NodePlan#DNS_SERVICE_IP}), reading Services and EndpointSlices with its own identity.
   */
  private void startDns(Child containerd, Child kubelet) {
    var client = cluster.client();
    String user = "system:kruise-coredns";
    client
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder()
                .withNewMetadata()
                .withName("kruise-real-node:coredns")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("endpoints", "services", "pods", "namespaces")
                .withVerbs("get", "list", "watch")
                .endRule()
                .addNewRule()
                .withApiGroups("discovery.k8s.io")
                .withResources("endpointslices")
                .withVerbs("get", "list", "watch")
                .endRule()
                .build())
        .createOr(r -> r.update());
    client
        .resource(
            new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("kruise-real-node:coredns")
                .endMetadata()
                .withNewRoleRef(
                    "rbac.authorization.k8s.io", "ClusterRole", "kruise-real-node:coredns")
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(user)
                .endSubject()
                .build())
        .createOr(r -> r.update());
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata()
                .withName("kube-dns")
                .withNamespace("kube-system")
                .addToLabels("k8s-app", "kube-dns")
                .endMetadata()
                .withNewSpec()
                .withClusterIP(NodePlan.DNS_SERVICE_IP)
                .addNewPort()
                .withName("dns")
                .withPort(53)
                .withProtocol("UDP")
                .endPort()
                .addNewPort()
                .withName("dns-tcp")
                .withPort(53)
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .createOr(r -> r.update());
    publishEndpoint(
        "kube-system",
        "kube-dns",
        plan.nodeIp(),
        List.of(port("dns", 53, "UDP"), port("dns-tcp", 53, "TCP")));
    try {
      Path kubeconfig = runDir.resolve("coredns.kubeconfig");
      Files.writeString(
          kubeconfig,
          kubeconfig(
              cluster.pki().issueClientCertificate(user, "kruise:coredns"),
              "https://" + plan.hostIp() + ":" + cluster.apiServerUrl().getPort(),
              "kubernetes"));
      Files.writeString(runDir.resolve("Corefile"), plan.corefile(kubeconfig));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Child dns =
        startDaemon(
            "coredns",
            "node",
            "new",
            List.of(bins.coredns().toString(), "-conf", runDir.resolve("Corefile").toString()));
    java.net.http.HttpClient http =
        java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    await(
        "CoreDNS /ready",
        () -> {
          try {
            return http.send(
                        java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://" + plan.nodeIp() + ":8181/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        },
        List.of(containerd, kubelet, dns));
  }

  private void writeConfigs() {
    try {
      Files.createDirectories(plan.cniConfDir());
      Files.createDirectories(plan.kubeletDir());
      Files.writeString(runDir.resolve("containerd.toml"), plan.containerdConfig(bins));
      Files.writeString(plan.cniConfDir().resolve("10-kruise-pods.conflist"), plan.cniConfig());
      Path ca = runDir.resolve("ca.crt");
      Files.writeString(ca, cluster.pki().caCertPem());
      Files.writeString(runDir.resolve("kubelet.yaml"), plan.kubeletConfig(ca));
      // No cluster DNS yet: pods get an empty resolver configuration rather than the host's.
      Files.writeString(runDir.resolve("resolv.conf"), "# kruise real node: no DNS yet\n");
      Pki.Credentials creds =
          cluster.pki().issueClientCertificate("system:node:" + NodePlan.NODE_NAME, "system:nodes");
      Path kubeconfig = runDir.resolve("kubelet.kubeconfig");
      Files.writeString(kubeconfig, kubeconfig(creds, cluster.apiServerUrl().toString(), null));
      kubeconfig.toFile().setReadable(false, false);
      kubeconfig.toFile().setReadable(true, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String kubeconfig(Pki.Credentials creds, String server, String tlsServerName) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: %s
            certificate-authority-data: %s%s
        users:
        - name: node
          user:
            client-certificate-data: %s
            client-key-data: %s
        contexts:
        - name: node
          context: {cluster: local, user: node}
        current-context: node
        """
        .formatted(
            server,
            b64.encodeToString(cluster.pki().caCertPem().getBytes(StandardCharsets.US_ASCII)),
            tlsServerName == null ? "" : "\n    tls-server-name: " + tlsServerName,
            b64.encodeToString(creds.certPem().getBytes(StandardCharsets.US_ASCII)),
            b64.encodeToString(creds.keyPem().getBytes(StandardCharsets.US_ASCII)));
  }

  Child startDaemon(String name, String net, String mount, List<String> command) {
    Path log = runDir.resolve("logs").resolve(name + ".log");
    List<String> full = new ArrayList<>(List.of("bash", script.toString(), "exec"));
    full.addAll(List.of(runDir.toString(), net, mount, "--"));
    full.addAll(command);
    try {
      Process p =
          new ProcessBuilder(full)
              .directory(runDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      watchdog.add(p.pid());
      Child c = new Child(name, p, log);
      synchronized (children) {
        children.add(c);
      }
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + full, e);
    }
  }

  private boolean nodeReady() {
    Node n = cluster.client().nodes().withName(NodePlan.NODE_NAME).get();
    return n != null
        && n.getStatus() != null
        && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  void await(String what, BooleanSupplier ready, List<Child> watched) {
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    while (true) {
      for (Child c : watched) {
        if (!c.process().isAlive()) {
          throw new IllegalStateException(
              c.name()
                  + " exited with "
                  + c.process().exitValue()
                  + " while waiting for "
                  + what
                  + "; last log lines ("
                  + c.log()
                  + "):\n    "
                  + c.tail(30));
        }
      }
      try {
        if (ready.getAsBoolean()) {
          return;
        }
      } catch (KubernetesClientException e) {
        // not yet
      }
      if (System.nanoTime() > deadline) {
        StringBuilder msg =
            new StringBuilder("timed out after " + options.startTimeout() + " waiting for " + what);
        for (Child c : watched) {
          msg.append("\n  ").append(c.name()).append(" log:\n    ").append(c.tail(15));
        }
        throw new IllegalStateException(msg.toString());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  /**
   * Imports a Docker "save" or OCI archive (a Jib {@code jib-image.tar}, a base image) into the
   * node's image store, where pods with {@code imagePullPolicy: Never} or IfNotPresent find it.
   */
  public void importImage(Path tar) {
    Result r = ctr("images", "import", tar.toString());
    if (r.rc() != 0) {
      throw new IllegalStateException("ctr images import " + tar + " failed:\n" + r.output());
    }
  }

  private Result ctr(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                bins.ctr().toString(), "-a", plan.containerdSocket().toString(), "-n", "k8s.io"));
    cmd.addAll(List.of(args));
    return run(cmd, Duration.ofMinutes(5));
  }

  record Result(int rc, String output) {}

  static Result run(List<String> command, Duration timeout) {
    try {
      Path out = Files.createTempFile("kruise-real-node-cmd", ".log");
      try {
        Process p =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "timed out after " + timeout + ": " + command);
        }
        return new Result(p.exitValue(), Files.readString(out));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return new Result(-1, "cannot run " + command + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted: " + command);
    }
  }

  /** The last {@code lines} lines of every daemon's log, for failure messages. */
  public String logTails(int lines) {
    StringBuilder b = new StringBuilder();
    synchronized (children) {
      for (Child c : children) {
        b.append(c.name()).append(" (").append(c.log()).append("):\n    ").append(c.tail(lines));
        b.append('\n');
      }
    }
    return b.toString();
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
    List<Child> all;
    synchronized (children) {
      all = List.copyOf(children);
      children.clear();
    }
    for (Child c : all) {
      c.process().destroyForcibly();
    }
    if (relay != null) {
      relay.close();
    }
    if (runDir != null && Files.exists(runDir.resolve("node.conf"))) {
      Result down =
          run(List.of("bash", script.toString(), "down", runDir.toString()), Duration.ofMinutes(2));
      if (down.rc() != 0) {
        LOG.warning("real-node down failed (" + down.rc() + "):\n" + down.output());
      }
    }
    if (watchdog != null) {
      watchdog.close();
    }
    deleteRecursively(runDir);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
  }

  private static String ownerId(ProcessHandle h) {
    return h.pid() + " " + h.info().startInstant().map(Object::toString).orElse("?");
  }

  /**
   * Tears down runs whose JVM is gone and whose watchdog could not (killed with its process group):
   * the next run cleans up after them.
   */
  static void reapStale(Path parent, Path script) {
    try (Stream<Path> dirs = Files.list(parent)) {
      for (Path dir :
          dirs.filter(d -> d.getFileName().toString().startsWith(RUN_DIR_PREFIX)).toList()) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue;
        }
        String id = Files.readString(owner).strip();
        long pid = Long.parseLong(id.split(" ")[0]);
        if (ProcessHandle.of(pid).map(h -> ownerId(h).equals(id)).orElse(false)) {
          continue;
        }
        if (Files.exists(dir.resolve("node.conf"))) {
          run(List.of("bash", script.toString(), "down", dir.toString()), Duration.ofMinutes(2));
        }
        deleteRecursively(dir);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warning("cannot reap stale real-node runs under " + parent + ": " + e.getMessage());
    }
  }

  /**
   * Deletes a run dir; its {@link #OWNER_FILE} goes last, so a JVM killed halfway (the image store
   * is large) leaves a dir that {@link #reapStale} still recognises and finishes.
   */
  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    Path owner = dir.resolve(OWNER_FILE);
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(owner) && !p.equals(dir))
          .forEach(p -> p.toFile().delete());
      owner.toFile().delete();
      dir.toFile().delete();
    } catch (IOException | UncheckedIOException e) {
      LOG.warning("cannot remove " + dir + ": " + e.getMessage());
    }
  }
}
