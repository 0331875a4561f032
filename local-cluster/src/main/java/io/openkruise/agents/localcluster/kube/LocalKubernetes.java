package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.client.Config;
import io.openkruise.agents.localcluster.process.ChildExitedException;
import io.openkruise.agents.localcluster.process.ChildProcess;
import io.openkruise.agents.localcluster.process.RunDirs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver and kube-controller-manager
 * (garbage collector, namespace and service-account controllers) in a temp dir, with a generated
 * PKI and an admin kubeconfig. {@link #start(Options)} returns once {@code /readyz} is ok, our CRDs
 * are Established and the controller manager has synced; {@link #close()} kills every process and
 * removes the temp dir.
 *
 * <p>There is no kubelet and no scheduler: {@code LocalNode} plays both.
 */
public final class LocalKubernetes implements ClusterAdmin, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalKubernetes.class.getName());

  /** kube-controller-manager's grace for a silent node when its node lifecycle controller runs. */
  public static final Duration NODE_MONITOR_GRACE = Duration.ofSeconds(20);

  /** Controllers we run; GC and namespace deletion are what tests rely on. */
  public static final List<String> DEFAULT_CONTROLLERS =
      List.of("garbage-collector-controller", "namespace-controller", "serviceaccount-controller");

  /** Added for workloads (a Helm install): Deployments and their ReplicaSets roll out pods. */
  public static final List<String> WORKLOAD_CONTROLLERS =
      List.of("deployment-controller", "replicaset-controller");

  static final String WORK_DIR_PREFIX = "kruise-local-cluster-";

  /**
   * Added for a real node ({@code RealNode}): Services with selectors get EndpointSlices
   * (kube-proxy and CoreDNS read them), and every namespace gets the {@code kube-root-ca.crt}
   * ConfigMap that a pod's ServiceAccount token volume projects.
   */
  public static final List<String> REAL_NODE_CONTROLLERS =
      List.of("endpointslice-controller", "root-ca-certificate-publisher-controller");

  /** Classpath directory holding the generated CRDs (shipped in the api-types jar). */
  public static final String CRD_RESOURCE_DIR = Crds.RESOURCE_DIR;

  private final Options options;
  private final Path workDir;
  private final ProcessGroup processes;
  private final Pki pki;
  private final Pki.Files pkiFiles;
  private final URI apiServerUrl;
  private final AdminConnection admin;
  private final String version;
  private final Thread shutdownHook;
  private volatile boolean closed;
  // Kept so a test can kill and restart them on the same ports and data dir.
  private List<String> etcdCommand;
  private List<String> apiServerCommand;
  private ChildProcess etcd;
  private ChildProcess apiServer;

  /**
   * Launch settings.
   *
   * @param binaries the binaries; null: resolve them via {@link KubeBinaries#resolve(PrintStream)}
   * @param tempParent where the cluster's temp dir is created
   * @param controllers kube-controller-manager {@code --controllers}
   * @param crds CRD YAML resources to apply; null: every {@code crds/*.yml} on the class path
   * @param startTimeout for each wait (apiserver ready, CRDs established, controllers synced)
   * @param progress where the install script's progress and our start messages go
   * @param podServiceAccounts run the API server's ServiceAccount admission plugin: pods get their
   *     ServiceAccount's token mounted (a real node's kubelet mounts it; the simulated node mounts
   *     nothing and would only wait for a namespace's default ServiceAccount)
   * @param auditLog where the API server writes its audit log (JSON lines, every request but
   *     watches at Metadata level); null: no audit log. For counting API-server requests per
   *     operation (the benchmark), from the server's own record rather than from our code
   */
  public record Options(
      KubeBinaries binaries,
      Path tempParent,
      List<String> controllers,
      List<java.net.URL> crds,
      Duration startTimeout,
      PrintStream progress,
      boolean podServiceAccounts,
      Path auditLog) {

    public static Options defaults() {
      return new Options(
          null,
          Path.of(System.getProperty("java.io.tmpdir")),
          DEFAULT_CONTROLLERS,
          null,
          Duration.ofSeconds(120),
          System.err,
          false,
          null);
    }

    public Options withBinaries(KubeBinaries b) {
      return new Options(
          b, tempParent, controllers, crds, startTimeout, progress, podServiceAccounts, auditLog);
    }

    public Options withTempParent(Path p) {
      return new Options(
          binaries, p, controllers, crds, startTimeout, progress, podServiceAccounts, auditLog);
    }

    public Options withCrds(List<java.net.URL> c) {
      return new Options(
          binaries,
          tempParent,
          controllers,
          c,
          startTimeout,
          progress,
          podServiceAccounts,
          auditLog);
    }

    public Options withControllers(List<String> c) {
      return new Options(
          binaries,
          tempParent,
          List.copyOf(c),
          crds,
          startTimeout,
          progress,
          podServiceAccounts,
          auditLog);
    }

    /**
     * For a cluster with a {@code RealNode}: ServiceAccount tokens in pods and the controllers a
     * real node's Services and token volumes need ({@link #REAL_NODE_CONTROLLERS}).
     */
    public Options forRealNode() {
      List<String> c = new ArrayList<>(controllers);
      REAL_NODE_CONTROLLERS.stream().filter(n -> !c.contains(n)).forEach(c::add);
      return new Options(
          binaries, tempParent, List.copyOf(c), crds, startTimeout, progress, true, auditLog);
    }

    public Options withProgress(PrintStream p) {
      return new Options(
          binaries, tempParent, controllers, crds, startTimeout, p, podServiceAccounts, auditLog);
    }

    /** With the API server's audit log at {@code path} (see {@link #auditLog()}). */
    public Options withAuditLog(Path path) {
      return new Options(
          binaries,
          tempParent,
          controllers,
          crds,
          startTimeout,
          progress,
          podServiceAccounts,
          path);
    }
  }

  /** Starts a cluster with {@link Options#defaults()}. */
  public static LocalKubernetes start() {
    return start(Options.defaults());
  }

  /**
   * Starts a cluster.
   *
   * @throws IllegalStateException when a binary cannot be built or a process fails to come up (the
   *     message carries the tail of its log); nothing is left running in that case
   */
  public static LocalKubernetes start(Options options) {
    KubeBinaries bins =
        options.binaries() != null ? options.binaries() : KubeBinaries.resolve(options.progress());
    IllegalStateException last = null;
    // Free ports are probed, then bound by another process: a rare race we absorb by retrying.
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return new LocalKubernetes(options, bins);
      } catch (PortClashException e) {
        last = e;
        LOG.warning("port clash while starting the local cluster, retrying: " + e.getMessage());
      }
    }
    throw last;
  }

  private static final class PortClashException extends IllegalStateException {
    PortClashException(String message) {
      super(message);
    }
  }

  private LocalKubernetes(Options options, KubeBinaries bins) {
    this.options = options;
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(options.tempParent());
      ProcessGroup.reapStale(options.tempParent(), WORK_DIR_PREFIX);
      this.workDir = Files.createTempDirectory(options.tempParent(), WORK_DIR_PREFIX);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.processes = new ProcessGroup(workDir, options.startTimeout());
    this.shutdownHook = new Thread(this::close, "local-kubernetes-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    boolean ok = false;
    try {
      this.pki = Pki.generate();
      this.pkiFiles = pki.write(workDir.resolve("pki"));
      long tPki = System.nanoTime();
      int etcdClient = freePort();
      int etcdPeer = freePort();
      int apiPort = freePort();
      this.apiServerUrl = URI.create("https://127.0.0.1:" + apiPort);

      this.etcdCommand = etcdCommand(bins, etcdClient, etcdPeer);
      this.apiServerCommand = apiServerCommand(bins, etcdClient, apiPort);
      this.etcd = processes.start("etcd", etcdCommand);
      this.apiServer = processes.start("kube-apiserver", apiServerCommand);
      ChildProcess api = apiServer;
      await("kube-apiserver /readyz", () -> readyz(api), List.of(etcd, api));
      long tApi = System.nanoTime();

      Path kubeconfig = workDir.resolve("kubeconfig");
      Files.writeString(kubeconfig, AdminAccess.kubeconfigYaml(apiServerUrl, pki));
      Config config = AdminAccess.clientConfig(apiServerUrl, pki);
      this.admin = AdminConnection.of(kubeconfig, config);
      this.version = client().getKubernetesVersion().getGitVersion();

      // CRDs before the controller manager: the GC discovers resources at start (else ~30 s later).
      applyCrds(crdResources(options.crds()));
      long tCrds = System.nanoTime();

      ChildProcess kcm = processes.start("kube-controller-manager", controllerManagerCommand(bins));
      // The service-account controller creating default/default shows the manager is syncing.
      await(
          "kube-controller-manager (default ServiceAccount)",
          () -> client().serviceAccounts().inNamespace("default").withName("default").get() != null,
          List.of(etcd, api, kcm));
      ok = true;
      long tEnd = System.nanoTime();
      LOG.info(
          () ->
              String.format(
                  "local kube-apiserver %s at %s ready in %d ms (certificates %d, apiserver %d,"
                      + " CRDs %d, controller manager %d; work dir %s)",
                  version,
                  apiServerUrl,
                  ms(tEnd - t0),
                  ms(tPki - t0),
                  ms(tApi - tPki),
                  ms(tCrds - tApi),
                  ms(tEnd - tCrds),
                  workDir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private List<String> etcdCommand(KubeBinaries bins, int clientPort, int peerPort) {
    String clientUrl = "http://127.0.0.1:" + clientPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    return List.of(
        bins.etcd().toString(),
        "--name=default",
        "--data-dir=" + workDir.resolve("etcd"),
        "--listen-client-urls=" + clientUrl,
        "--advertise-client-urls=" + clientUrl,
        "--listen-peer-urls=" + peerUrl,
        "--initial-advertise-peer-urls=" + peerUrl,
        "--initial-cluster=default=" + peerUrl,
        // A throwaway store: durability buys nothing and fsync costs milliseconds per write.
        "--unsafe-no-fsync=true",
        "--log-level=warn");
  }

  private List<String> apiServerCommand(KubeBinaries bins, int etcdPort, int port)
      throws IOException {
    List<String> command = new ArrayList<>(apiServerFlags(bins, etcdPort, port));
    if (options.auditLog() != null) {
      command.addAll(auditFlags(options.auditLog()));
    }
    return command;
  }

  /**
   * Opt-in audit log: every request but watches, metadata only (who, verb, resource, code), one
   * JSON line per completed request. Batch mode writes from a background buffer, so the audited
   * requests do not wait for the file.
   */
  private List<String> auditFlags(Path log) throws IOException {
    Path policy = workDir.resolve("audit-policy.yaml");
    Files.writeString(
        policy,
        "apiVersion: audit.k8s.io/v1\n"
            + "kind: Policy\n"
            + "omitStages: [RequestReceived]\n"
            + "rules:\n"
            + "  - level: None\n"
            + "    verbs: [watch]\n"
            + "  - level: Metadata\n");
    Path parent = log.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return List.of(
        "--audit-policy-file=" + policy,
        "--audit-log-path=" + log.toAbsolutePath(),
        "--audit-log-format=json",
        "--audit-log-mode=batch");
  }

  private List<String> apiServerFlags(KubeBinaries bins, int etcdPort, int port) {
    return List.of(
        bins.apiServer().toString(),
        "--etcd-servers=http://127.0.0.1:" + etcdPort,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--secure-port=" + port,
        "--cert-dir=" + workDir.resolve("pki"),
        "--tls-cert-file=" + pkiFiles.servingCert(),
        "--tls-private-key-file=" + pkiFiles.servingKey(),
        "--client-ca-file=" + pkiFiles.caCert(),
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + pkiFiles.serviceAccountPublicKey(),
        "--service-account-signing-key-file=" + pkiFiles.serviceAccountKey(),
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=Node,RBAC",
        // Pods must not wait for the default ServiceAccount of a namespace created a moment ago;
        // the simulated node mounts no tokens anyway. A real node's pods need them (on by default).
        options.podServiceAccounts()
            ? "--enable-admission-plugins=ServiceAccount"
            : "--disable-admission-plugins=ServiceAccount",
        // The endpoint reconciler would publish 127.0.0.1, which EndpointSlice validation rejects.
        "--endpoint-reconciler-type=none",
        "--allow-privileged=true",
        // A real node (RealNode) serves logs and exec to clients with a certificate from our CA;
        // its Hostname address resolves nowhere, its InternalIP is local.
        "--kubelet-client-certificate=" + pkiFiles.adminCert(),
        "--kubelet-client-key=" + pkiFiles.adminKey(),
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--profiling=false");
  }

  private List<String> controllerManagerCommand(KubeBinaries bins) {
    List<String> command =
        new ArrayList<>(
            List.of(
                bins.controllerManager().toString(),
                "--kubeconfig=" + kubeconfig(),
                "--controllers=" + String.join(",", options.controllers()),
                "--leader-elect=false",
                "--use-service-account-credentials=false",
                // No serving endpoint needed: nothing scrapes it, and it would need a free port.
                "--secure-port=0"));
    if (options.controllers().contains("node-lifecycle-controller")) {
      // A node is lost after 20 s without a heartbeat (default 50 s): the simulated nodes renew
      // their Leases every few seconds (LocalNodeOptions.heartbeatEvery), and tests wait less.
      command.add("--node-monitor-grace-period=" + NODE_MONITOR_GRACE.toSeconds() + "s");
    }
    return command;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private ReadyzProbe readyzProbe;

  private boolean readyz(ChildProcess api) {
    if (readyzProbe == null) {
      readyzProbe = new ReadyzProbe(apiServerUrl, pki);
    }
    return readyzProbe.ready();
  }

  /** Waits through the process group; a daemon that died on a taken port means a port clash. */
  private void await(String what, BooleanSupplier ready, List<ChildProcess> watched) {
    try {
      processes.await(what, ready, watched);
    } catch (ChildExitedException e) {
      throw e.logTail().contains("address already in use")
          ? new PortClashException(e.getMessage())
          : e;
    }
  }

  static List<java.net.URL> crdResources(List<java.net.URL> explicit) {
    return explicit != null ? explicit : crdResourcesOnClasspath();
  }

  /** Every CRD YAML under {@code crds/} on the class path (the api-types jar or its classes). */
  public static List<java.net.URL> crdResourcesOnClasspath() {
    return Crds.onClasspath();
  }

  /** Applies the CRDs (server-side apply) and waits until each is Established. */
  public void applyCrds(List<java.net.URL> crds) {
    Crds.apply(client(), crds, options.startTimeout());
  }

  /** e.g. {@code v1.37.2}, as reported by {@code /version}. */
  public String version() {
    return version;
  }

  public URI apiServerUrl() {
    return apiServerUrl;
  }

  @Override
  public AdminConnection admin() {
    return admin;
  }

  public Pki.Files pkiFiles() {
    return pkiFiles;
  }

  public Pki pki() {
    return pki;
  }

  public Path workDir() {
    return workDir;
  }

  /** Live processes of this cluster (etcd, apiserver, controller manager and their children). */
  public List<ProcessHandle> processes() {
    return processes.alive();
  }

  // ---- faults, for tests: kill a daemon (SIGKILL) and start it again with its data ----

  /**
   * Kills kube-apiserver with SIGKILL; etcd keeps its data. {@link #startApiServer()} undoes it.
   */
  public synchronized void killApiServer() {
    processes.kill(apiServer);
  }

  /**
   * Starts kube-apiserver again with the same flags (port, etcd, certificates) and returns once
   * {@code /readyz} is ok (which includes reaching etcd).
   */
  public synchronized void startApiServer() {
    ChildProcess api = processes.start("kube-apiserver", apiServerCommand);
    apiServer = api;
    processes.await("kube-apiserver /readyz after restart", () -> readyz(api), List.of(api));
  }

  /** Kills etcd with SIGKILL; its data dir stays. {@link #startEtcd()} undoes it. */
  public synchronized void killEtcd() {
    processes.kill(etcd);
  }

  /**
   * Starts etcd again on the same ports and data dir and returns once the API server is ready again
   * (its {@code /readyz} checks etcd).
   */
  public synchronized void startEtcd() {
    etcd = processes.start("etcd", etcdCommand);
    ChildProcess api = apiServer;
    ChildProcess store = etcd;
    processes.await("kube-apiserver /readyz after etcd restart", () -> readyz(api), List.of(store));
  }

  /** Kills every process and removes the temp dir. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (admin != null) {
      admin.client().close();
    }
    processes.close();
    RunDirs.delete(workDir);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
  }
}
