package io.openkruise.agents.e2e;

import static io.openkruise.agents.e2e.ChartE2e.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.ingress.TraefikIngress;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.testing.Ports;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' HTTPS path end to end: the chart installed with its default Ingress (class {@code
 * nginx}, hosts {@code <domain>} and {@code *.<domain>}, TLS Secret {@code sandbox-manager-tls}
 * made from a locally created CA, as the seed's {@code kubectl create secret tls} step does), a
 * real Ingress controller (Traefik from its Go module, {@code local-cluster/bin/install-ingress},
 * serving class {@code nginx}) as the only listener on the domain's address, and the real Python
 * E2B SDK running the seed examples through it: private mode ({@code patch_e2b(https=True)}) and
 * native mode ({@code <port>-<sandbox>.<domain>}, wildcard DNS stood in for by a resolver override
 * in the SDK's process). The manager listens on its pod address only, so every SDK call that
 * succeeds went through the Ingress. Skipped, with the reason, where Traefik cannot be built, and
 * with {@code -Dkruise.e2e.ingress=off}.
 */
@io.openkruise.agents.testing.tier.E2eTier
class IngressHttpsOnLocalClusterTest {

  private static final String HOST = "kruise.localhost";
  private static final String CLASS = "nginx";
  private static final String TLS_SECRET = "sandbox-manager-tls";

  private static final String ADMIN_KEY = "e2b_" + "0123456789abcdef".repeat(2) + "01234567";

  @TempDir static Path work;

  private static Path root;
  private static Path traefikBinary;
  private static LocalCluster cluster;
  private static KubernetesClient kube;
  private static TraefikIngress ingress;
  private static int port;
  private static String domain;
  private static LocalCa ca;

  @BeforeAll
  static void installTheChartBehindTheIngress() throws Exception {
    root = Repository.root();
    if ("off".equals(System.getProperty("kruise.e2e.ingress"))) {
      System.out.println("IngressHttpsOnLocalClusterTest skipped: -Dkruise.e2e.ingress=off");
      Assumptions.abort("-Dkruise.e2e.ingress=off");
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      // The simulated node's endpoints reach Traefik through its own /etc/hosts (see below);
      // checked first, so that a machine that cannot run it does not build Traefik.
      System.out.println("IngressHttpsOnLocalClusterTest skipped: not root (unshare --mount)");
      Assumptions.abort("needs root for a private mount namespace (unshare --mount)");
    }
    try {
      traefikBinary = TraefikIngress.install(System.out);
    } catch (IllegalStateException e) {
      System.out.println("IngressHttpsOnLocalClusterTest skipped: " + e.getMessage());
      Assumptions.abort("the Ingress controller cannot be built here: " + e.getMessage());
    }
    port = Ports.free();
    domain = HOST + ":" + port;

    cluster = ChartE2e.clusterRunningTheBuiltServices(root);
    kube = cluster.client();

    // The seed steps: a certificate for <domain> and *.<domain> in Secret sandbox-manager-tls
    // (kubectl create secret tls), then helm install with e2b.domain; the Ingress is on by default.
    ca = LocalCa.create(work.resolve("pki"), HOST);
    E2eFixtures.ensureSystemNamespace(kube);
    kube.secrets().inNamespace(NS).resource(ca.tlsSecret(TLS_SECRET)).create();
    ChartE2e.install(root, cluster.kubeconfig(), ADMIN_KEY).set("e2b.domain", domain).call();
    Ingress rendered =
        kube.network().v1().ingresses().inNamespace(NS).withName("sandbox-manager").get();
    assertThat(rendered).as("the chart's default Ingress").isNotNull();
    assertThat(rendered.getSpec().getIngressClassName()).isEqualTo(CLASS);
    ChartE2e.awaitServices(kube, Duration.ofSeconds(120), Duration.ofMillis(250), null);

    kube.resource(ChartE2e.seedPool(kube, root, 2)).create();

    // The Service's endpoints. The simulated node's pod IPs are loopback addresses, which the API
    // server refuses in an EndpointSlice (so the EndpointSlice controller cannot publish them):
    // the manager pod goes into an FQDN EndpointSlice under a name that only Traefik's own hosts
    // file resolves, to the pod IP. On the real node the EndpointSlice controller does this.
    String podName = managerPodName() + ".pods.local-cluster.test";
    kube.resource(managerEndpoints(podName)).create();

    ingress =
        TraefikIngress.start(
            kube,
            cluster.kubernetes().map(LocalKubernetes::pki).orElseThrow().caCertPem(),
            traefikBinary,
            new TraefikIngress.Options(
                    CLASS, NS, new InetSocketAddress("127.0.0.1", port), work.resolve("ingress"))
                .withHosts(Map.of(podName, managerPodIp())));
    awaitRouted(HOST);
    awaitRouted("api." + HOST);
    E2eFixtures.awaitAvailable(kube, "default", "code-interpreter", 2);
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (ingress != null) {
        ingress.close();
        Path kept = Path.of("target", "ingress-e2e-logs");
        Files.createDirectories(kept);
        Files.copy(
            ingress.log(),
            kept.resolve("traefik.log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(kept.resolve("access.log"), ingress.accessLog());
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /**
   * Private mode, as the seeds' examples run it: {@code patch_e2b(https=True)} sends the API to
   * {@code https://<domain>/kruise/api} and sandbox traffic to {@code
   * https://<domain>/kruise/<sandbox>/<port>}, all through the Ingress host {@code <domain>}.
   */
  @Test
  void seedExamplesInPrivateModeThroughTheIngress() throws Exception {
    String out = runSeedExamples("private");
    assertThat(out).containsPattern("HOST " + HOST.replace(".", "\\.") + ":" + port + "/kruise/");
    assertSeedExamplesRan(out);
    assertThat(ingress.accessLog())
        .as("API and sandbox traffic went through the Ingress to the manager's pod")
        .contains("\"POST /kruise/api/v2/sandboxes")
        .containsPattern("\"POST /kruise/[a-z0-9]{20}/49983/process\\.Process/Start")
        .contains("http://" + managerPodName() + ".pods.local-cluster.test:7788");
  }

  /**
   * Native mode, unpatched SDK: {@code https://api.<domain>} and {@code
   * https://<port>-<sandbox>.<domain>} through the wildcard host of the Ingress and the wildcard
   * certificate.
   */
  @Test
  void seedExamplesInNativeModeThroughTheIngress() throws Exception {
    String out = runSeedExamples("native");
    assertThat(out).containsPattern("HOST 49983-[a-z0-9]{20}\\." + HOST.replace(".", "\\."));
    assertSeedExamplesRan(out);
    assertThat(ingress.accessLog())
        .contains("\"POST /v2/sandboxes", "\"POST /process.Process/Start");
  }

  /**
   * The controller serves only its class: the same Ingress with another class is dropped (neither
   * the Secret's certificate nor a route: Traefik's own certificate, which the local CA does not
   * sign, or its 404), and served again once the class is back.
   */
  @Test
  void anIngressOfAnotherClassIsNotServed() throws Exception {
    setIngressClass("some-other-class");
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> notServed(status(HOST, "/kruise/api/sandboxes")));
    } finally {
      setIngressClass(CLASS);
    }
    awaitRouted(HOST);
  }

  private static boolean notServed(int status) {
    return status == LocalCa.NO_CERTIFICATE || status == 404;
  }

  private static void setIngressClass(String name) {
    kube.network()
        .v1()
        .ingresses()
        .inNamespace(NS)
        .withName("sandbox-manager")
        .edit(
            i -> {
              i.getSpec().setIngressClassName(name);
              return i;
            });
  }

  private static void assertSeedExamplesRan(String out) {
    SeedExamples.assertRan(out);
  }

  /** The seed example steps in the real SDK (e2e/ingress/seed_examples.py). */
  private static String runSeedExamples(String mode) throws Exception {
    return SeedExamples.run(
        PythonVenvLock.holding(IngressHttpsOnLocalClusterTest::pythonVenv),
        root,
        mode,
        domain,
        ca.caFile(),
        ADMIN_KEY,
        () -> "--- traefik:\n" + ingress.logTail());
  }

  /** sdk/python/.venv-newest, made by sdk/python/bin/test when missing (as e2e/conformance). */
  private static Path pythonVenv() throws Exception {
    Path python = root.resolve("sdk/python/.venv-newest/bin/python");
    ProcessBuilder pb =
        new ProcessBuilder(root.resolve("sdk/python/bin/test").toString(), "--co", "-q")
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("venv.log").toFile());
    // Only the newest SDK's venv; collecting its tests is the cheap part that needs it.
    pb.environment().put("KRUISE_SDK_FLAVOURS", "newest");
    Process p = pb.start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(python)
        .as("Python venv (sdk/python/bin/test): %s", Files.readString(work.resolve("venv.log")))
        .exists();
    return python;
  }

  private static int status(String host, String path) throws IOException {
    return ca.status(ingress.address(), host, port, path, ADMIN_KEY);
  }

  /** Waits until the Ingress routes {@code host} to the manager (an authenticated list: 200). */
  private static void awaitRouted(String host) {
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(
              () ->
                  status(host, host.startsWith("api.") ? "/sandboxes" : "/kruise/api/sandboxes")
                      == 200);
    } catch (RuntimeException e) {
      throw new AssertionError("the Ingress does not route " + host + ":\n" + ingress.logTail(), e);
    }
  }

  /** The manager pod as the Service's endpoint, by name (what an FQDN EndpointSlice holds). */
  private static EndpointSlice managerEndpoints(String podName) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName("sandbox-manager-simulated-node")
        .withNamespace(NS)
        .addToLabels("kubernetes.io/service-name", "sandbox-manager")
        .addToLabels("endpointslice.kubernetes.io/managed-by", "kruise-agents.e2e")
        .endMetadata()
        .withAddressType("FQDN")
        .addNewEndpoint()
        .withAddresses(podName)
        .withNewConditions()
        .withReady(true)
        .withServing(true)
        .withTerminating(false)
        .endConditions()
        .endEndpoint()
        .addNewPort()
        .withName("e2b")
        .withPort(7788)
        .withProtocol("TCP")
        .endPort()
        .build();
  }

  private static String managerPodName() {
    return managerPod().getMetadata().getName();
  }

  private static String managerPodIp() {
    return managerPod().getStatus().getPodIP();
  }

  private static Pod managerPod() {
    return ChartE2e.podOf(kube, "sandbox-manager");
  }
}
