package io.openkruise.agents.e2e;

import static io.openkruise.agents.e2e.ChartE2e.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.ingress.TraefikIngress;
import io.openkruise.agents.localcluster.kube.KubeBinaries;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.realnode.ImageImporter;
import io.openkruise.agents.localcluster.realnode.RealNode;
import io.openkruise.agents.localcluster.realnode.RealNodeTier;
import io.openkruise.agents.localcluster.realnode.TcpRelay;
import io.openkruise.agents.testing.NodePods;
import io.openkruise.agents.testing.Pools;
import io.openkruise.agents.testing.Ports;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart and our images in real containers: the local cluster with a real node (kubelet +
 * containerd + runc, {@link RealNode}), our Jib images and the sandbox image imported into its
 * containerd (no registry), {@code helm install} of {@code helm/kruise-agents} into {@code
 * sandbox-system} (the services authenticate with their ServiceAccounts' real tokens under the
 * chart's RBAC), the {@code deploy/examples} pool with the sandbox image, then the real Python E2B
 * SDK through the installed manager, with {@code patch_e2b} and in header mode.
 *
 * <p>Skipped, with the reason printed, where the machine cannot run a real node ({@link
 * MachineCheck}; {@code -Dkruise.local-cluster.real-node=off}). The sandbox image is {@code
 * -Dkruise.e2e.sandbox-image=TAR} (a Docker "save" tar), else the E2B-like image of {@code
 * images/bin/base-image sandbox} where the repository builds it, else the runtime base image (no
 * user {@code user}, no sudo: those checks then only run with {@code
 * -Dkruise.e2e.sandbox-image-e2b=true}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@io.openkruise.agents.testing.tier.E2eTier
class ChartOnRealNodeTest {
  private static final String ADMIN_KEY = "e2b_" + "0123456789abcdef".repeat(2) + "01234567";
  private static final Path ROOT = Repository.root();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LocalKubernetes cluster;
  private static RealNode node;
  private static TcpRelay relay;
  private static KubernetesClient kube;
  private static String sandboxImage;
  private static boolean e2bLike;
  private static String domain;
  private static Path python;

  @BeforeAll
  static void installTheChartOnARealNode() throws Exception {
    RealNodeTier.assumeThisMachine("chart on real node");
    long t0 = System.nanoTime();
    List<Path> appTars = ImageImporter.appImageTars(ROOT);
    Path sandboxTar = sandboxImageTar();
    python = PythonVenvLock.holding(ChartOnRealNodeTest::pythonVenv);
    long tPrep = System.nanoTime();

    List<String> controllers = new ArrayList<>(LocalKubernetes.DEFAULT_CONTROLLERS);
    controllers.addAll(LocalKubernetes.WORKLOAD_CONTROLLERS);
    cluster =
        LocalKubernetes.start(
            LocalKubernetes.Options.defaults().withControllers(controllers).forRealNode());
    node = RealNode.start(cluster);
    kube = cluster.client();
    long tNode = System.nanoTime();
    ImageImporter images = new ImageImporter(node);
    for (Path tar : appTars) {
      images.importTar(tar);
    }
    sandboxImage = images.importTar(sandboxTar).get(0);
    long tImages = System.nanoTime();

    // The test reaches the manager pod through the host's route to the pod subnet; a relay on
    // loopback gives the SDK a domain that is known before the install.
    int port = Ports.free();
    domain = "localhost:" + port;
    ChartE2e.install(ROOT, cluster.kubeconfig(), ADMIN_KEY)
        .createNamespace()
        .set("image.pullPolicy", "Never")
        .set("e2b.domain", domain)
        .set("ingress.enabled", false)
        .set("sandboxManager.resources.requests.cpu", "100m")
        .set("controllerManager.resources.requests.cpu", "100m")
        .call();
    ChartE2e.awaitServices(
        kube, Duration.ofMinutes(5), Duration.ofSeconds(1), () -> diagnostics(NS));
    String managerIp = podOf("sandbox-manager").getStatus().getPodIP();
    relay =
        TcpRelay.start(
            new InetSocketAddress("127.0.0.1", port), new InetSocketAddress(managerIp, 7788));
    long tChart = System.nanoTime();

    kube.resource(pool(2)).create();
    awaitPool(2);
    long tEnd = System.nanoTime();
    System.out.printf(
        "[chart on real node] %s, node %s, sandbox image %s (E2B-like: %s); ready in %d ms"
            + " (images built/venv %d, cluster + node %d, imports %d, chart %d, pool %d)%n",
        cluster.version(),
        node.nodeName(),
        sandboxImage,
        e2bLike,
        ms(tEnd - t0),
        ms(tPrep - t0),
        ms(tNode - tPrep),
        ms(tImages - tNode),
        ms(tChart - tImages),
        ms(tEnd - tChart));
  }

  @AfterAll
  static void stop() {
    RealNodeTier.closeInOrder(ingress, relay, node, cluster);
  }

  @Test
  @Order(1)
  void thePythonSdkWithPatchE2bUsesARealContainer() throws Exception {
    String out =
        python(
            Map.of("E2B_DOMAIN", domain),
            "from kruise_agents.patch_e2b import patch_e2b\npatch_e2b(https=False)\n" + SDK_FLOW);
    assertSdkFlow(out);
  }

  @Test
  @Order(2)
  void thePythonSdkInHeaderModeUsesARealContainer() throws Exception {
    String url = "http://" + domain;
    String out =
        python(Map.of("E2B_DOMAIN", domain, "E2B_API_URL", url, "E2B_SANDBOX_URL", url), SDK_FLOW);
    assertSdkFlow(out);
  }

  /** The seed flow: create, commands, files, code with state, pause/connect, kill. */
  private static final String SDK_FLOW =
      String.join(
          "\n",
          "import os",
          "from e2b_code_interpreter import Sandbox",
          "sbx = Sandbox.create(timeout=300)",
          "print('SANDBOX', sbx.sandbox_id)",
          "print('WHOAMI', sbx.commands.run('whoami').stdout.strip())",
          "print('PWD', sbx.commands.run('pwd').stdout.strip())",
          "print('TMP', sorted(sbx.commands.run('ls -A /tmp').stdout.split()))",
          "try:",
          "    print('SUDO', sbx.commands.run('sudo -n true && echo sudo-ok').stdout.strip())",
          "except Exception as e:  # CommandExitException where there is no sudo",
          "    print('SUDO failed', e)",
          "print('CMD', sbx.commands.run('echo hello-from-$((40 + 2)) $(cat /etc/hostname)').stdout.strip())",
          "home = os.environ.get('KRUISE_TEST_HOME')",
          "sbx.files.write(home + '/real-node.txt', 'hello real node')",
          "print('FILE', sbx.files.read(home + '/real-node.txt'))",
          "print('LS', sorted(e.name for e in sbx.files.list(home)))",
          "sbx.run_code('a = 41')",
          "print('CODE', sbx.run_code('a + 1').text)",
          "print('PY', sbx.run_code('import sys; print(sys.executable)').logs.stdout)",
          "if os.environ.get('KRUISE_TEST_E2B'):",
          "    r = sbx.run_code('import numpy as np, pandas as pd; int(pd.Series(np.arange(7)).sum() * 2)')",
          "    print('NUMPY', r.text if r.error is None else r.error.name)",
          "sbx.beta_pause()",
          "print('STATE', Sandbox.get_info(sbx.sandbox_id).state)",
          "again = Sandbox.connect(sbx.sandbox_id, timeout=300)",
          "print('BACK', again.commands.run('echo back').stdout.strip())",
          "f = home + '/real-node.txt'",
          "print('FILE AFTER PAUSE', again.commands.run(f'test -e {f} && echo kept || echo gone').stdout.strip())",
          "r = again.run_code('a')",
          "print('CODE AFTER PAUSE', r.error.name if r.error else r.text)",
          "print('KILLED', again.kill())");

  private static void assertSdkFlow(String out) {
    assertThat(out)
        .containsPattern("SANDBOX [a-z0-9]{20}\\b")
        .containsPattern("CMD hello-from-42 code-interpreter-")
        .contains("FILE hello real node")
        .contains("real-node.txt")
        .contains("CODE 42")
        .containsPattern("(?i)STATE .*paused")
        .contains("BACK back")
        // The documented deviation (docs/compatibility.md): pause deletes the pod, so files outside
        // PVC/CSI mounts and interpreter state are gone; only a real container shows the files
        // part (the simulated node's "container" filesystem is a host directory that survives).
        .contains("FILE AFTER PAUSE gone")
        .contains("CODE AFTER PAUSE NameError")
        .contains("KILLED True")
        // The runtime's JVM keeps its perf data and Vert.x cache out of the user's /tmp.
        .doesNotContain("hsperfdata_")
        .doesNotContain("vertx-cache");
    if (e2bLike) {
      assertThat(out)
          .contains("WHOAMI user")
          .contains("PWD /home/user")
          .contains("SUDO sudo-ok")
          .contains("NUMPY 42");
    } else {
      assertThat(out).containsPattern("WHOAMI \\S+").containsPattern("PWD /\\S*");
    }
  }

  @Test
  @Order(3)
  void kubectlGetShowsSandboxesAndClaimsWithTheirPrinterColumns() throws Exception {
    // What `kubectl get sbx` / `kubectl get sbc` print: the API server's Table of the CRDs.
    JsonNode sbx = table("sandboxes");
    assertThat(columns(sbx)).contains("NAME", "STATUS", "AGE");
    assertThat(sbx.path("rows").toString()).contains("code-interpreter-");
    SandboxClaim claim =
        kube.getKubernetesSerialization()
            .unmarshal(
                "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxClaim\n"
                    + "metadata: {name: real-node-claim, namespace: default}\n"
                    + "spec: {templateName: code-interpreter, replicas: 1}\n",
                SandboxClaim.class);
    kube.resource(claim).create();
    JsonNode sbc = table("sandboxclaims");
    assertThat(columns(sbc)).contains("NAME", "PHASE", "TEMPLATE", "DESIRED", "CLAIMED", "AGE");
    assertThat(sbc.path("rows").toString()).contains("real-node-claim");
  }

  @Test
  @Order(4)
  void aPodInTheClusterReachesTheManagerByItsServiceName() throws Exception {
    // Cluster DNS (CoreDNS) → the chart's Service port 80 → kube-proxy's DNAT → the manager pod.
    String script =
        String.join(
            "\n",
            "import urllib.request",
            "req = urllib.request.Request(",
            "    'http://sandbox-manager.sandbox-system.svc.cluster.local/sandboxes',",
            "    headers={'X-API-Key': '" + ADMIN_KEY + "'})",
            "with urllib.request.urlopen(req, timeout=20) as r:",
            "    print('STATUS', r.status, r.headers.get('Content-Type'))",
            "    print('BODY', r.read().decode()[:200])");
    Pod pod =
        NodePods.runOnce(
                "default",
                "service-client",
                "client",
                sandboxImage,
                List.of("python3", "-c", script))
            .build();
    kube.resource(pod).create();
    Pod done =
        kube.pods()
            .inNamespace("default")
            .withName("service-client")
            .waitUntilCondition(
                p ->
                    p != null
                        && p.getStatus() != null
                        && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()),
                180,
                TimeUnit.SECONDS);
    String log = kube.pods().inNamespace("default").withName("service-client").getLog();
    assertThat(done.getStatus().getPhase()).as(log).isEqualTo("Succeeded");
    assertThat(log).contains("STATUS 200 application/json").contains("BODY [");
  }

  // ------------------------------------------------------------------ HTTPS through an Ingress

  /**
   * The seeds' HTTPS path on the real node, private mode ({@code patch_e2b(https=True)}): the
   * chart's Ingress (class {@code nginx}, TLS Secret {@code sandbox-manager-tls} from a local CA)
   * served by Traefik, routing to the manager pod's real address from the EndpointSlice
   * controller's slice (no FQDN slice, no hosts file, as the simulated node needs).
   */
  @Test
  @Order(5)
  void seedExamplesOverHttpsInPrivateModeThroughTheIngress() throws Exception {
    ingressInFrontOfTheManager();
    String out = seedExamples("private");
    assertThat(out).contains("HOST " + httpsDomain + "/kruise/");
    SeedExamples.assertRan(out);
    assertThat(out).contains("WHOAMI " + (e2bLike ? "user" : ""));
    assertThat(ingress.accessLog())
        .as("API and sandbox traffic went through the Ingress to the manager pod's address")
        .contains("\"POST /kruise/api/v2/sandboxes")
        .containsPattern("\"POST /kruise/[a-z0-9]{20}/49983/process\\.Process/Start")
        .contains("http://" + podOf("sandbox-manager").getStatus().getPodIP() + ":7788");
  }

  /** Native mode: {@code api.<domain>} and {@code 49983-<sandbox>.<domain>} over HTTPS. */
  @Test
  @Order(6)
  void seedExamplesOverHttpsInNativeModeThroughTheIngress() throws Exception {
    ingressInFrontOfTheManager();
    String out = seedExamples("native");
    assertThat(out)
        .containsPattern("HOST 49983-[a-z0-9]{20}\\." + INGRESS_HOST.replace(".", "\\."));
    SeedExamples.assertRan(out);
    assertThat(ingress.accessLog())
        .contains("\"POST /v2/sandboxes", "\"POST /process.Process/Start");
  }

  private static final String INGRESS_HOST = "kruise.localhost";
  private static final String INGRESS_CLASS = "nginx";
  @TempDir static Path work;
  private static TraefikIngress ingress;
  private static boolean ingressRouted;
  private static LocalCa ca;
  private static int httpsPort;
  private static String httpsDomain;

  /**
   * Once, for the HTTPS tests: the seed steps (a local CA's certificate for {@code <domain>} and
   * {@code *.<domain>} in Secret {@code sandbox-manager-tls}, {@code helm upgrade} with {@code
   * e2b.domain} and the chart's default Ingress), then Traefik on 127.0.0.1 serving class {@code
   * nginx}. Skipped, with the reason printed, where Traefik cannot be built or with {@code
   * -Dkruise.e2e.ingress=off}.
   */
  private static void ingressInFrontOfTheManager() throws Exception {
    if (ingressRouted) {
      return;
    }
    assertThat(ingress).as("the Ingress setup failed in an earlier test").isNull();
    if ("off".equals(System.getProperty("kruise.e2e.ingress"))) {
      System.out.println("[chart on real node] HTTPS SKIPPED: -Dkruise.e2e.ingress=off");
      assumeTrue(false, "-Dkruise.e2e.ingress=off");
    }
    Path traefik;
    try {
      traefik = TraefikIngress.install(System.out);
    } catch (IllegalStateException e) {
      System.out.println("[chart on real node] HTTPS SKIPPED: " + e.getMessage());
      assumeTrue(false, "the Ingress controller cannot be built here: " + e.getMessage());
      return;
    }
    long t0 = System.nanoTime();
    httpsPort = Ports.free();
    httpsDomain = INGRESS_HOST + ":" + httpsPort;
    ca = LocalCa.create(work.resolve("pki"), INGRESS_HOST);
    kube.secrets().inNamespace(NS).resource(ca.tlsSecret("sandbox-manager-tls")).create();
    Helm.upgrade(ROOT.resolve("helm/kruise-agents").toString())
        .withName("kruise-agents")
        .withNamespace(NS)
        .withKubeConfig(cluster.kubeconfig())
        .reuseValues()
        .set("e2b.domain", httpsDomain)
        .set("ingress.enabled", true)
        .call();
    assertThat(kube.network().v1().ingresses().inNamespace(NS).withName("sandbox-manager").get())
        .as("the chart's default Ingress")
        .isNotNull();
    awaitRolledOut("sandbox-manager");
    long tChart = System.nanoTime();
    ingress =
        TraefikIngress.start(
            kube,
            cluster.pki().caCertPem(),
            traefik,
            new TraefikIngress.Options(
                INGRESS_CLASS,
                NS,
                new InetSocketAddress("127.0.0.1", httpsPort),
                work.resolve("ingress")));
    awaitRouted(INGRESS_HOST, "/kruise/api/sandboxes");
    awaitRouted("api." + INGRESS_HOST, "/sandboxes");
    ingressRouted = true;
    System.out.printf(
        "[chart on real node] HTTPS through Traefik on %s in %d ms (upgrade + rollout %d)%n",
        httpsDomain, ms(System.nanoTime() - t0), ms(tChart - t0));
  }

  private static String seedExamples(String mode) throws Exception {
    return SeedExamples.run(
        python,
        ROOT,
        mode,
        httpsDomain,
        ca.caFile(),
        ADMIN_KEY,
        () -> "--- traefik:\n" + ingress.logTail() + diagnostics("default") + diagnostics(NS));
  }

  /** Until the Ingress routes {@code host} to the manager (an authenticated list: 200). */
  private static void awaitRouted(String host, String path) {
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> ca.status(ingress.address(), host, httpsPort, path, ADMIN_KEY) == 200);
    } catch (RuntimeException e) {
      throw new AssertionError(
          "the Ingress does not route " + host + ":\n" + ingress.logTail() + diagnostics(NS), e);
    }
  }

  /** Until the Deployment's only pod is one of its newest revision, and Ready. */
  private static void awaitRolledOut(String deployment) {
    awaitOrDiagnose(
        deployment + " not rolled out",
        NS,
        () -> {
          Deployment d = kube.apps().deployments().inNamespace(NS).withName(deployment).get();
          var st = d.getStatus();
          return st != null
              && st.getObservedGeneration() != null
              && st.getObservedGeneration() >= d.getMetadata().getGeneration()
              && Integer.valueOf(1).equals(st.getReplicas())
              && Integer.valueOf(1).equals(st.getUpdatedReplicas())
              && Integer.valueOf(1).equals(st.getAvailableReplicas());
        });
  }

  /**
   * Until {@code done} holds (polled every second, five minutes at most); otherwise fails with
   * {@code what} and the diagnostics of {@code namespace}.
   */
  private static void awaitOrDiagnose(String what, String namespace, Callable<Boolean> done) {
    try {
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(done);
    } catch (RuntimeException e) {
      throw new AssertionError(what + ":\n" + diagnostics(namespace), e);
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  private static SandboxSet pool(int replicas) throws IOException {
    SandboxSet pool = ChartE2e.seedPool(kube, ROOT, replicas);
    var spec = pool.getSpec().getTemplate().getSpec();
    Container main = spec.getContainers().get(0);
    if (!e2bLike) {
      // The runtime base image has no command of its own (containerd: "no command specified").
      main.setCommand(List.of("sleep", "infinity"));
    }
    spec.getContainers()
        .set(
            0,
            new ContainerBuilder(main)
                .withImage(sandboxImage)
                .withImagePullPolicy("Never")
                // e2bdev/code-interpreter runs its own Jupyter on 49999; our images have none, so
                // the agent-runtime serves run_code there.
                .addNewEnv()
                .withName("AGENT_RUNTIME_CODE_INTERPRETER")
                .withValue("true")
                .endEnv()
                // postStart waits this long for the daemon (default 20 s; a loaded CI machine)
                .addNewEnv()
                .withName("AGENT_RUNTIME_WAIT_SECONDS")
                .withValue("60")
                .endEnv()
                .editResources()
                .addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("256Mi"))
                .endResources()
                .build());
    return pool;
  }

  private static void awaitPool(int available) {
    awaitOrDiagnose(
        "pool not available",
        "default",
        () -> Pools.reportsAvailable(kube, "default", "code-interpreter", available));
  }

  private static Pod podOf(String app) {
    return ChartE2e.podOf(kube, app);
  }

  /** Pods with their status, events and the last lines of each container's log, and the node's. */
  private static String diagnostics(String namespace) {
    StringBuilder sb = new StringBuilder();
    for (Pod p : kube.pods().inNamespace(namespace).list().getItems()) {
      sb.append(p.getMetadata().getName()).append(' ').append(p.getStatus()).append('\n');
      for (var c : p.getSpec().getContainers()) {
        try {
          sb.append("--- log of ")
              .append(c.getName())
              .append(":\n")
              .append(
                  kube.pods()
                      .inNamespace(namespace)
                      .withName(p.getMetadata().getName())
                      .inContainer(c.getName())
                      .tailingLines(30)
                      .getLog())
              .append('\n');
        } catch (RuntimeException e) {
          sb.append("(no log: ").append(e.getMessage()).append(")\n");
        }
      }
    }
    kube.v1().events().inNamespace(namespace).list().getItems().stream()
        .map(ev -> ev.getInvolvedObject().getName() + " " + ev.getReason() + ": " + ev.getMessage())
        .forEach(l -> sb.append("event ").append(l).append('\n'));
    return sb.append(node.logTails(20)).toString();
  }

  private static String python(Map<String, String> env, String script) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(python.toString(), "-c", script).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("E2B_"));
    pb.environment().putAll(env);
    pb.environment().put("E2B_API_KEY", ADMIN_KEY);
    pb.environment().put("KRUISE_TEST_HOME", e2bLike ? "/home/user" : "/tmp");
    if (e2bLike) {
      pb.environment().put("KRUISE_TEST_E2B", "1");
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    System.out.println(out);
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "Python SDK failed:\n" + out + "\n" + diagnostics("default") + diagnostics(NS));
    }
    return out;
  }

  private static JsonNode table(String plural) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(cluster.pki().adminSslContext()).build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        cluster.apiServerUrl() + "/apis/agents.kruise.io/v1alpha1/" + plural))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode table = JSON.readTree(r.body());
    System.out.println(plural + " table columns " + columns(table) + " rows " + table.path("rows"));
    return table;
  }

  private static List<String> columns(JsonNode table) {
    List<String> names = new ArrayList<>();
    table
        .path("columnDefinitions")
        .forEach(c -> names.add(c.path("name").asText().toUpperCase(Locale.ROOT)));
    return names;
  }

  /**
   * -Dkruise.e2e.sandbox-image, else the E2B-like image ({@code images/bin/base-image sandbox})
   * where the repository builds it, else the runtime base image.
   */
  private static Path sandboxImageTar() throws IOException {
    String explicit = System.getProperty("kruise.e2e.sandbox-image", "");
    e2bLike = Boolean.getBoolean("kruise.e2e.sandbox-image-e2b");
    if (!explicit.isBlank()) {
      return Path.of(explicit);
    }
    Path script = KubeBinaries.findScript("images/bin/base-image").orElseThrow().toAbsolutePath();
    e2bLike = Files.readString(script).contains("|sandbox)");
    return KubeBinaries.runScript(
        script,
        List.of(e2bLike ? "sandbox" : "runtime"),
        System.err,
        "the sandbox image cannot be built.");
  }

  /** The real SDK (the newest pinned e2b + e2b-code-interpreter) with kruise_agents, cached. */
  private static Path pythonVenv() throws Exception {
    Process p =
        new ProcessBuilder(ROOT.resolve("sdk/python/bin/venv").toString(), "newest")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("sdk/python/bin/venv newest failed: " + out);
    }
    return Path.of(out.lines().reduce((a, b) -> b).orElseThrow(), "bin", "python");
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
