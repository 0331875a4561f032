package io.openkruise.agents.localcluster.ingress;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.kube.KubeBinaries;
import io.openkruise.agents.localcluster.kube.ServiceAccountTokens;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An Ingress controller for the local cluster: Traefik, built from its Go module by {@code
 * local-cluster/bin/install-ingress}, run as a host process. Its Kubernetes Ingress provider serves
 * the Ingresses of one class in one namespace, terminating TLS with the Secrets they name, and
 * routes to the backend Services' endpoints (pod IPs: loopback addresses on the simulated node, the
 * pod subnet on the real one). It listens only on the address given, and talks to the API server as
 * a ServiceAccount that holds just what its provider reads (no admin kubeconfig).
 */
public final class TraefikIngress implements AutoCloseable {

  /** The controller name Traefik claims IngressClasses by. */
  public static final String CONTROLLER = "traefik.io/ingress-controller";

  static final String INSTALL_SCRIPT = "local-cluster/bin/install-ingress";
  static final String SYSTEM_NAMESPACE = "ingress-system";
  static final String SERVICE_ACCOUNT = "traefik";

  private final Process process;
  private final ProcessWatchdog watchdog;
  private final InetSocketAddress address;
  private final Path log;
  private final Path accessLog;

  private TraefikIngress(
      Process process,
      ProcessWatchdog watchdog,
      InetSocketAddress address,
      Path log,
      Path accessLog) {
    this.process = process;
    this.watchdog = watchdog;
    this.address = address;
    this.log = log;
    this.accessLog = accessLog;
  }

  /**
   * What to serve and where.
   *
   * @param ingressClass the IngressClass it claims (created if absent) and serves
   * @param namespace the only namespace whose Ingresses, Services and Secrets it reads
   * @param listen the HTTPS entry point, a loopback address of this run
   * @param workDir kubeconfig, logs
   */
  public record Options(
      String ingressClass,
      String namespace,
      InetSocketAddress listen,
      Path workDir,
      Map<String, String> hosts) {
    public Options {
      hosts = Map.copyOf(hosts);
    }

    public Options(String ingressClass, String namespace, InetSocketAddress listen, Path workDir) {
      this(ingressClass, namespace, listen, workDir, Map.of());
    }

    /**
     * Names Traefik resolves, name to IP, for FQDN EndpointSlices: the simulated node's pod IPs are
     * loopback addresses, which the API server refuses in an EndpointSlice, so a test publishes
     * each pod under a name instead and Traefik resolves it through an /etc/hosts of its own
     * (bind-mounted in a private mount namespace: the machine's file is never touched; needs root
     * and unshare). On the real node pod IPs are in ordinary EndpointSlices.
     */
    public Options withHosts(Map<String, String> h) {
      return new Options(ingressClass, namespace, listen, workDir, h);
    }
  }

  /**
   * Runs the install script (cached: well under a second; a cold build takes minutes).
   *
   * @return the traefik binary
   * @throws IllegalStateException with the script's last output when it cannot be built
   */
  public static Path install(PrintStream progress) {
    Path script =
        KubeBinaries.findScript(INSTALL_SCRIPT)
            .orElseThrow(() -> new IllegalStateException("cannot find " + INSTALL_SCRIPT));
    Path dir =
        KubeBinaries.runScript(script, progress, "the Ingress controller cannot be built here.");
    Path binary = dir.resolve("traefik");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("missing or not executable: " + binary);
    }
    return binary;
  }

  /** Grants its RBAC, claims the IngressClass, starts it and waits until it listens. */
  public static TraefikIngress start(
      KubernetesClient admin, String caPem, Path binary, Options options) {
    try {
      Files.createDirectories(options.workDir());
      grantAccess(admin, options);
      admin
          .network()
          .v1()
          .ingressClasses()
          .resource(
              new IngressClassBuilder()
                  .withNewMetadata()
                  .withName(options.ingressClass())
                  .endMetadata()
                  .withNewSpec()
                  .withController(CONTROLLER)
                  .endSpec()
                  .build())
          .createOr(existing -> existing.update());
      Path kubeconfig = options.workDir().resolve("kubeconfig");
      Files.writeString(
          kubeconfig,
          kubeconfig(
              admin.getMasterUrl().toString(),
              caPem,
              ServiceAccountTokens.issue(admin, SYSTEM_NAMESPACE, SERVICE_ACCOUNT)));
      Path log = options.workDir().resolve("traefik.log");
      Path accessLog = options.workDir().resolve("access.log");
      List<String> command = command(binary, options, accessLog);
      if (!options.hosts().isEmpty()) {
        command = inOwnHostsFile(options, command);
      }
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      // Traefik picks its client by these: in-cluster first, then KUBECONFIG.
      pb.environment().remove("KUBERNETES_SERVICE_HOST");
      pb.environment().remove("KUBERNETES_SERVICE_PORT");
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      ProcessWatchdog watchdog =
          ProcessWatchdog.start(
              "traefik-watchdog", options.workDir().resolve("traefik.pids"), null);
      Process process = pb.start();
      watchdog.add(process.pid());
      TraefikIngress ingress =
          new TraefikIngress(process, watchdog, options.listen(), log, accessLog);
      ingress.awaitListening(Duration.ofSeconds(60));
      return ingress;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> command(Path binary, Options o, Path accessLog) {
    String listen = o.listen().getHostString() + ":" + o.listen().getPort();
    return List.of(
        binary.toString(),
        // Nothing leaves this machine: no version check, no usage statistics.
        "--global.checknewversion=false",
        "--global.sendanonymoususage=false",
        "--entrypoints.websecure.address=" + listen,
        // Every router on it serves TLS, with the certificates of the Ingresses' tls sections.
        "--entrypoints.websecure.http.tls=true",
        "--providers.kubernetesingress=true",
        "--providers.kubernetesingress.ingressclass=" + o.ingressClass(),
        "--providers.kubernetesingress.namespaces=" + o.namespace(),
        "--providers.kubernetesingress.ingressendpoint.ip=" + o.listen().getHostString(),
        "--log.level=INFO",
        "--accesslog=true",
        "--accesslog.filepath=" + accessLog);
  }

  /** Runs {@code command} in a private mount namespace whose /etc/hosts is ours. */
  private static List<String> inOwnHostsFile(Options o, List<String> command) throws IOException {
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
    o.hosts().forEach((name, ip) -> hosts.append(ip).append(' ').append(name).append('\n'));
    Path file = o.workDir().resolve("hosts");
    Files.writeString(file, hosts);
    List<String> wrapped = new ArrayList<>();
    wrapped.addAll(
        List.of(
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
            file.toString()));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Its ServiceAccount and exactly what Traefik's Ingress provider reads and writes. */
  private static void grantAccess(KubernetesClient admin, Options o) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SYSTEM_NAMESPACE)
                .endMetadata()
                .build())
        .createOr(existing -> existing.update());
    admin
        .serviceAccounts()
        .inNamespace(SYSTEM_NAMESPACE)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(SERVICE_ACCOUNT)
                .endMetadata()
                .build())
        .createOr(existing -> existing.update());
    String name = "local-ingress-traefik";
    // Cluster-scoped reads: IngressClasses to find its class, Nodes (the provider watches them).
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(read("networking.k8s.io", "ingressclasses"), read("", "nodes"))
                .build())
        .createOr(existing -> existing.update());
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                .withSubjects(traefikAccount())
                .build())
        .createOr(existing -> existing.update());
    // In the served namespace only: its Ingresses (and their status), Services, EndpointSlices
    // and the TLS Secrets.
    List<PolicyRule> rules = new ArrayList<>();
    rules.add(read("networking.k8s.io", "ingresses"));
    rules.add(
        new PolicyRuleBuilder()
            .withApiGroups("networking.k8s.io")
            .withResources("ingresses/status")
            .withVerbs("update")
            .build());
    rules.add(read("", "services", "secrets"));
    rules.add(read("discovery.k8s.io", "endpointslices"));
    admin
        .rbac()
        .roles()
        .inNamespace(o.namespace())
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withRules(rules)
                .build())
        .createOr(existing -> existing.update());
    admin
        .rbac()
        .roleBindings()
        .inNamespace(o.namespace())
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
                .withSubjects(traefikAccount())
                .build())
        .createOr(existing -> existing.update());
  }

  /** The subject of both bindings: Traefik's ServiceAccount. */
  private static Subject traefikAccount() {
    return new SubjectBuilder()
        .withKind("ServiceAccount")
        .withName(SERVICE_ACCOUNT)
        .withNamespace(SYSTEM_NAMESPACE)
        .build();
  }

  private static PolicyRule read(String group, String... resources) {
    return new PolicyRuleBuilder()
        .withApiGroups(group)
        .withResources(resources)
        .withVerbs("get", "list", "watch")
        .build();
  }

  static String kubeconfig(String server, String caPem, String token) {
    String ca =
        Base64.getEncoder().encodeToString(caPem.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return String.join(
        "\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: local",
        "  cluster:",
        "    server: " + server,
        "    certificate-authority-data: " + ca,
        "users:",
        "- name: " + SERVICE_ACCOUNT,
        "  user:",
        "    token: " + token,
        "contexts:",
        "- name: local",
        "  context: {cluster: local, user: " + SERVICE_ACCOUNT + "}",
        "current-context: local",
        "");
  }

  private void awaitListening(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "traefik exited with " + process.exitValue() + ":\n" + logTail());
      }
      try (Socket s = new Socket()) {
        s.connect(address, 500);
        return;
      } catch (IOException e) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "traefik does not listen on " + address + " after " + timeout + ":\n" + logTail());
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** The HTTPS entry point. */
  public InetSocketAddress address() {
    return address;
  }

  /** Traefik's own log (config reloads, errors). */
  public Path log() {
    return log;
  }

  /** One line per request: method, path, status, router and the backend server it went to. */
  public String accessLog() {
    try {
      return Files.exists(accessLog) ? Files.readString(accessLog) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of its log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      watchdog.remove(process.pid());
      watchdog.close();
    }
  }
}
