package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.localcluster.kube.KubeBinaries;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.testing.Namespaces;
import io.openkruise.agents.testing.NodePods;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart's NetworkPolicy ({@code helm/kruise-agents/templates/networkpolicy.yaml}, installed
 * with real Helm) enforced on the real node, proven with real packets between real pods: netcheck
 * pods (one static Go binary, see {@code local-cluster/go/netcheck}) stand in for two sandboxes, a
 * sandbox-manager, a stranger pod and a cluster-DNS pod, each labelled as the chart's selectors
 * expect, and dial each other through exec.
 *
 * <p>First a control run without the policy (every connection is open, so the assertions below can
 * fail), then the policy, then its removal.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@io.openkruise.agents.testing.tier.ClusterTier
class NetworkPolicyOnRealNodeTest {
  static final String RELEASE = "kruise-agents";

  /** The release namespace, where the managers run. */
  static final String SYSTEM = "np-system";

  static final String SANDBOXES = "np-sandboxes";
  static final String DNS_NS = "kube-system";
  static final String POLICY = "kruise-agents-sandboxes";
  static final List<String> RUNTIME_PORTS = List.of("49983", "49999");

  static LocalKubernetes cluster;
  static RealNode node;
  static NetworkPolicyEnforcer.Install install;
  static String apiEndpoint;
  static final Map<String, String> ips = new LinkedHashMap<>();

  @BeforeAll
  static void startNodeAndPods() {
    RealNodeTier.assumeThisMachine("network-policy tier");
    long t0 = System.nanoTime();
    cluster = LocalKubernetes.start();
    node = RealNode.start(cluster);
    install = NetworkPolicyEnforcer.Install.resolve(System.err);
    node.importImage(install.netcheckTar());
    apiEndpoint = node.plan().hostIp() + ":" + cluster.apiServerUrl().getPort();
    KubernetesClient client = cluster.client();
    for (String ns : List.of(SYSTEM, SANDBOXES)) {
      Namespaces.ensure(client, ns);
    }
    String sandbox = MetadataKeys.ANNOTATION_CREATED_BY + "=" + MetadataKeys.CREATED_BY_SANDBOX;
    // The chart's managerSelector and the management port next to the E2B port.
    pod(
        SYSTEM,
        "manager",
        "app.kubernetes.io/name=sandbox-manager,component=sandbox-manager",
        "7788",
        "9000");
    pod(SANDBOXES, "sandbox-a", sandbox, RUNTIME_PORTS.toArray(String[]::new));
    pod(SANDBOXES, "sandbox-b", sandbox, RUNTIME_PORTS.toArray(String[]::new));
    pod(SANDBOXES, "stranger", "app=stranger", "8080");
    // Labelled as the chart's DNS rule expects (on this node the real CoreDNS is no pod: see
    // below).
    pod(DNS_NS, "dns", "k8s-app=kube-dns", "53");
    for (String name : List.of("manager", "sandbox-a", "sandbox-b", "stranger", "dns")) {
      ips.put(name, awaitReady(name).getStatus().getPodIP());
    }
    System.out.printf(
        "[network-policy tier] node Ready with kube-router %s and %d netcheck pods %s in %d ms%n",
        install.kubeRouterVersion(), ips.size(), ips, (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    RealNodeTier.closeInOrder(node, cluster);
  }

  /** Control run: without a policy every pod reaches every other, the API server and DNS. */
  @Test
  @Order(1)
  void withoutThePolicyEveryConnectionIsOpen() throws Exception {
    assertThat(dial("sandbox-a", "10.96.0.1:443")).isEqualTo("open");
    assertThat(dial("sandbox-a", apiEndpoint)).isEqualTo("open");
    for (String port : RUNTIME_PORTS) {
      assertThat(dial("sandbox-a", ips.get("sandbox-b") + ":" + port)).isEqualTo("open");
      assertThat(dial("stranger", ips.get("sandbox-a") + ":" + port)).isEqualTo("open");
    }
    assertThat(dial("sandbox-a", ips.get("manager") + ":9000")).isEqualTo("open");
    assertThat(dial("sandbox-a", ips.get("stranger") + ":8080")).isEqualTo("open");
    assertThat(resolve("sandbox-a", "kubernetes.default.svc.cluster.local")).isEqualTo("10.96.0.1");
  }

  @Test
  @Order(2)
  void theChartsPolicyKeepsSandboxesAwayFromTheControlPlaneAndEachOther() throws Exception {
    installTheChart();
    assertThat(cluster.client().network().networkPolicies().inAnyNamespace().list().getItems())
        .extracting(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
        .containsExactly(SANDBOXES + "/" + POLICY, SANDBOXES + "/" + POLICY + "-internet");
    // kube-router applies policies asynchronously; wait until one denial shows, boundedly.
    awaitDial("sandbox-a", ips.get("sandbox-b") + ":49983", false);

    // Sandbox → API server: through the kubernetes Service and at its endpoint.
    assertThat(dial("sandbox-a", "10.96.0.1:443")).isNotEqualTo("open");
    assertThat(dial("sandbox-a", apiEndpoint)).isNotEqualTo("open");
    for (String port : RUNTIME_PORTS) {
      // Sandbox → another sandbox, and any other pod → a sandbox: denied.
      assertThat(dial("sandbox-a", ips.get("sandbox-b") + ":" + port)).isNotEqualTo("open");
      assertThat(dial("stranger", ips.get("sandbox-a") + ":" + port)).isNotEqualTo("open");
      // The sandbox-manager → a sandbox's envd and code-interpreter ports: allowed.
      assertThat(dial("manager", ips.get("sandbox-a") + ":" + port)).isEqualTo("open");
      assertThat(dial("manager", ips.get("sandbox-b") + ":" + port)).isEqualTo("open");
    }
    // Sandbox → the managers' E2B port yes, their management port no; other pods no.
    assertThat(dial("sandbox-a", ips.get("manager") + ":7788")).isEqualTo("open");
    assertThat(dial("sandbox-a", ips.get("manager") + ":9000")).isNotEqualTo("open");
    assertThat(dial("sandbox-a", ips.get("stranger") + ":8080")).isNotEqualTo("open");
    // DNS: the policy allows port 53 of pods labelled k8s-app=kube-dns in any namespace.
    assertThat(dial("sandbox-a", ips.get("dns") + ":53")).isEqualTo("open");
    // This node's CoreDNS is no pod: it runs in the node namespace on the node address (a private
    // address, excepted by networkPolicy.podCIDRs), so the chart's policy denies it, as it would
    // any DNS server that is not a kube-dns pod inside the excepted ranges.
    assertThat(resolve("sandbox-a", "kubernetes.default.svc.cluster.local"))
        .isNotEqualTo("10.96.0.1");
    // The node (kubelet's probes, from the host end of the veth) still reaches the sandboxes.
    assertThat(dialFromHost(ips.get("sandbox-a") + ":49983")).isEqualTo("open");
    Thread.sleep(3000); // several probe periods under the policy
    assertThat(ready("sandbox-a")).isTrue();
    assertThat(ready("sandbox-b")).isTrue();
    // Pods the policy does not select keep their connectivity.
    assertThat(dial("stranger", ips.get("manager") + ":9000")).isEqualTo("open");
    assertThat(dial("stranger", "10.96.0.1:443")).isEqualTo("open");
  }

  /**
   * With {@code networkPolicy.podCIDRs} narrowed to the cluster's pod network (as docs/security.md
   * suggests when sandboxes must reach other private addresses) the node's CoreDNS is reachable,
   * while the API server (controlPlaneCIDRs) and other sandboxes stay denied.
   */
  @Test
  @Order(3)
  void withPodCidrsNarrowedClusterDnsResolvesAndTheRestStaysDenied() throws Exception {
    Helm.upgrade(chart().toString())
        .withName(RELEASE)
        .withNamespace(SYSTEM)
        .withKubeConfig(cluster.kubeconfig())
        .reuseValues()
        .set("networkPolicy.podCIDRs[0]", node.plan().podCidr())
        .call();
    awaitResolve("sandbox-a", "kubernetes.default.svc.cluster.local", "10.96.0.1");
    assertThat(dial("sandbox-a", "10.96.0.1:443")).isNotEqualTo("open");
    assertThat(dial("sandbox-a", apiEndpoint)).isNotEqualTo("open");
    assertThat(dial("sandbox-a", ips.get("sandbox-b") + ":49983")).isNotEqualTo("open");
    assertThat(dial("sandbox-a", ips.get("stranger") + ":8080")).isNotEqualTo("open");
    assertThat(dial("stranger", ips.get("sandbox-a") + ":49983")).isNotEqualTo("open");
    assertThat(dial("manager", ips.get("sandbox-a") + ":49983")).isEqualTo("open");
  }

  @Test
  @Order(4)
  void uninstallingTheChartOpensTheSandboxesAgain() throws Exception {
    Helm.uninstall(RELEASE).withNamespace(SYSTEM).withKubeConfig(cluster.kubeconfig()).call();
    awaitDial("sandbox-a", ips.get("sandbox-b") + ":49983", true);
    assertThat(dial("stranger", ips.get("sandbox-a") + ":49983")).isEqualTo("open");
    assertThat(dial("sandbox-a", apiEndpoint)).isEqualTo("open");
    // Its ClusterRole covered every read it made.
    assertThat(java.nio.file.Files.readString(node.runDir().resolve("logs/kube-router.log")))
        .doesNotContain("forbidden");
  }

  /**
   * {@code helm install} of the chart (real Helm, the client the e2e tests use) for a release in
   * {@link #SYSTEM} whose sandboxes run in {@link #SANDBOXES}, with the API server's endpoint as
   * its control plane (as docs/security.md tells operators to set it). No manager or controller
   * replicas: the netcheck pods stand in for them, so only the chart's objects matter here.
   */
  private static void installTheChart() {
    Helm.install(chart().toString())
        .withName(RELEASE)
        .withNamespace(SYSTEM)
        .withKubeConfig(cluster.kubeconfig())
        .set("sandboxManager.replicas", 0)
        .set("controllerManager.replicas", 0)
        .set("networkPolicy.namespaces[0]", SANDBOXES)
        .set("networkPolicy.controlPlaneCIDRs[0]", node.plan().hostIp() + "/32")
        .call();
  }

  private static Path chart() {
    return KubeBinaries.findScript("helm/kruise-agents/Chart.yaml")
        .orElseThrow(() -> new IllegalStateException("helm/kruise-agents not found"))
        .getParent();
  }

  private static void pod(String ns, String name, String labels, String... ports) {
    Map<String, String> l = new LinkedHashMap<>();
    for (String kv : labels.split(",")) {
      String[] p = kv.split("=", 2);
      l.put(p[0], p[1]);
    }
    List<String> command = new ArrayList<>(List.of("/netcheck", "listen"));
    command.addAll(List.of(ports));
    Pod pod =
        NodePods.imported(ns, name, "netcheck", install.netcheckImage(), command)
            .editMetadata()
            .withLabels(l)
            .endMetadata()
            .editSpec()
            .withAutomountServiceAccountToken(false)
            .editFirstContainer()
            // kubelet probes from the host namespace: the policy must not cut the node off.
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withNewPort(Integer.parseInt(ports[0]))
            .endTcpSocket()
            .withPeriodSeconds(1)
            .withFailureThreshold(1)
            .endReadinessProbe()
            .endContainer()
            .endSpec()
            .build();
    cluster.client().resource(pod).create();
  }

  private static String namespaceOf(String pod) {
    return switch (pod) {
      case "manager" -> SYSTEM;
      case "dns" -> DNS_NS;
      default -> SANDBOXES;
    };
  }

  private static Pod awaitReady(String name) {
    try {
      return cluster
          .client()
          .pods()
          .inNamespace(namespaceOf(name))
          .withName(name)
          .waitUntilReady(120, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      Pod p = cluster.client().pods().inNamespace(namespaceOf(name)).withName(name).get();
      throw new AssertionError(
          "pod "
              + name
              + " not Ready: "
              + (p == null ? "gone" : p.getStatus())
              + "\n"
              + node.logTails(40),
          e);
    }
  }

  private static boolean ready(String pod) {
    return cluster
        .client()
        .pods()
        .inNamespace(namespaceOf(pod))
        .withName(pod)
        .get()
        .getStatus()
        .getConditions()
        .stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A TCP connect from this JVM, in the host namespace where kubelet runs. */
  private static String dialFromHost(String target) {
    int colon = target.lastIndexOf(':');
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(
          new java.net.InetSocketAddress(
              target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))),
          2000);
      return "open";
    } catch (java.net.ConnectException e) {
      return "refused";
    } catch (java.net.SocketTimeoutException e) {
      return "timeout";
    } catch (java.io.IOException e) {
      return "error: " + e.getMessage();
    } finally {
      System.out.printf("[network-policy tier] host: dial %s%n", target);
    }
  }

  /** "open", "refused", "timeout" or "error: ..." as netcheck in {@code from} saw it. */
  private static String dial(String from, String target) throws Exception {
    return exec(from, "/netcheck", "dial", target, "2s");
  }

  private static String resolve(String from, String name) throws Exception {
    return exec(from, "/netcheck", "resolve", name, "4s");
  }

  /** kube-router applies a policy change asynchronously: wait for its effect, boundedly. */
  private static void awaitDial(String from, String target, boolean open) throws Exception {
    awaitOutcome(from, () -> dial(from, target), target, o -> "open".equals(o) == open);
  }

  private static void awaitResolve(String from, String name, String address) throws Exception {
    awaitOutcome(from, () -> resolve(from, name), name, address::equals);
  }

  private static void awaitOutcome(
      String from,
      java.util.concurrent.Callable<String> probe,
      String target,
      java.util.function.Predicate<String> done)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    String last;
    do {
      last = probe.call();
      if (done.test(last)) {
        return;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(
        from + " → " + target + " still " + last + " after 90 s; logs:\n" + node.logTails(40));
  }

  private static String exec(String pod, String... command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch exec =
        cluster
            .client()
            .pods()
            .inNamespace(namespaceOf(pod))
            .withName(pod)
            .writingOutput(out)
            .writingError(out)
            .exec(command)) {
      exec.exitCode().get(60, TimeUnit.SECONDS);
    }
    String result = out.toString(StandardCharsets.UTF_8).strip();
    System.out.printf(
        "[network-policy tier] %s: %s → %s%n", pod, String.join(" ", command), result);
    return result;
  }
}
