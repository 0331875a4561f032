package io.openkruise.agents.e2e;

import static io.openkruise.agents.e2e.ChartE2e.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.testing.Pools;
import io.openkruise.agents.testing.Ports;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The Docker-only end-to-end tier: the images this build wrote (Jib tars) imported into a real k3s,
 * the Helm chart installed as a user would, the example warm pool created, and a sandbox claimed
 * through the real Python SDK ({@code patch_e2b(https=False)} over a port-forward) that runs a
 * command, mounts a CSI volume and runs code; then {@code kubectl get sbx,sbc} columns. Runs only
 * when asked ({@code -Dkruise.e2e.k3s=true}, as {@code e2e/bin/test-k3s} and the GitHub workflow
 * {@code e2e.yml} do) and skipped, with the reason, where there is no Docker.
 *
 * <p>Needs the image tars ({@code ./mvnw verify} or {@code -pl e2e -am}) and the Python venv of
 * {@code sdk/python/bin/test} ({@code sdk/python/.venv-newest}). The sandbox main image ({@code
 * e2bdev/code-interpreter}) is pulled from Docker Hub by k3s.
 */
@EnabledIf(
    value = "requestedAndDockerAvailable",
    disabledReason =
        "the k3s end-to-end tier runs only on request (-Dkruise.e2e.k3s=true) and with a Docker"
            + " daemon: e2e/bin/test-k3s or the GitHub workflow e2e.yml")
@io.openkruise.agents.testing.tier.E2eTier
class ChartOnK3sTest {
  private static final String K3S_IMAGE = "rancher/k3s:v1.34.1-k3s1";
  private static final String CSI_DRIVER = "hostpath.csi.k8s.io";
  private static final String CSI_HOST_DIR = "/var/lib/e2e-csi";
  private static final Path ROOT = Repository.root();

  private static K3sContainer k3s;
  private static KubernetesClient client;
  private static LocalPortForward forward;

  @BeforeAll
  static void startK3s() throws Exception {
    List<Path> tars = new ArrayList<>();
    for (String module : List.of("controller-manager", "sandbox-manager", "agent-runtime")) {
      Path tar = ROOT.resolve(module).resolve("target/jib-image.tar");
      assertThat(tar).as("image tar of " + module + " (build with -am)").exists();
      tars.add(tar);
    }
    k3s = new K3sContainer(DockerImageName.parse(K3S_IMAGE));
    k3s.start();
    System.out.println("Tests run against: k3s (Testcontainers) " + K3S_IMAGE);
    for (Path tar : tars) {
      String inside = "/tmp/" + tar.getParent().getParent().getFileName() + ".tar";
      k3s.copyFileToContainer(MountableFile.forHostPath(tar), inside);
      exec("ctr", "-n", "k8s.io", "images", "import", inside);
    }
    System.out.println(exec("ctr", "-n", "k8s.io", "images", "ls", "-q"));
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
            .build();
  }

  @AfterAll
  static void stop() throws IOException {
    if (forward != null) {
      forward.close();
    }
    if (client != null) {
      client.close();
    }
    if (k3s != null) {
      k3s.stop();
    }
  }

  @Test
  void chartInstallsAndThePythonSdkUsesASandbox() throws Exception {
    int localPort = Ports.free();
    String domain = "localhost:" + localPort;

    // 1. The chart, as a user installs it, with the imported images (never pulled).
    new Helm(ROOT.resolve("helm/kruise-agents"))
        .install()
        .withName("kruise-agents")
        .withNamespace(NS)
        .createNamespace()
        .withKubeConfigContents(k3s.getKubeConfigYaml())
        .set("image.pullPolicy", "Never")
        .set("e2b.domain", domain)
        .set("e2b.csiAllowedDrivers", "{" + CSI_DRIVER + "}")
        .set("sandboxManager.replicas", 1)
        .set("controllerManager.replicas", 1)
        .set("sandboxManager.resources.requests.cpu", "100m")
        .set("controllerManager.resources.requests.cpu", "100m")
        .waitReady()
        .withTimeout(300)
        .call();

    // 2. The seed warm pool (deploy/examples), one replica; its main container also gets the
    //    CSI volume's host directory and the privilege the runtime's bind mount needs.
    exec(
        "sh",
        "-c",
        "mkdir -p "
            + CSI_HOST_DIR
            + "/vol1 && echo hello-from-pv > "
            + CSI_HOST_DIR
            + "/vol1/hello.txt");
    SandboxSet pool =
        client
            .getKubernetesSerialization()
            .unmarshal(
                Files.readString(ROOT.resolve("deploy/examples/sandboxset-code-interpreter.yaml")),
                SandboxSet.class);
    pool.getSpec().setReplicas(1);
    var podSpec = pool.getSpec().getTemplate().getSpec();
    var main = podSpec.getContainers().get(0);
    podSpec
        .getContainers()
        .set(
            0,
            new ContainerBuilder(main)
                .withNewSecurityContext()
                .withPrivileged(true)
                .endSecurityContext()
                .addToVolumeMounts(
                    new VolumeMountBuilder()
                        .withName("csi-data")
                        .withMountPath(CSI_HOST_DIR)
                        .build())
                .editResources()
                .addToRequests("cpu", new Quantity("250m"))
                .endResources()
                .build());
    podSpec
        .getVolumes()
        .add(
            new VolumeBuilder()
                .withName("csi-data")
                .withNewHostPath()
                .withPath(CSI_HOST_DIR)
                .withType("DirectoryOrCreate")
                .endHostPath()
                .build());
    client.resource(pool).create();
    client
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("e2e-csi-pv")
                .withAnnotations(Map.of(MetadataKeys.ANNOTATION_CSI_ALLOWED_KEYS, "*"))
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity("1Gi"))
                .withAccessModes("ReadWriteMany")
                .withNewCsi()
                .withDriver(CSI_DRIVER)
                .withVolumeHandle("e2e-vol")
                .withVolumeAttributes(Map.of("source", CSI_HOST_DIR + "/vol1"))
                .endCsi()
                .endSpec()
                .build())
        .create();
    // The sandbox image is large: the first pull dominates.
    await()
        .atMost(Duration.ofMinutes(12))
        .pollInterval(Duration.ofSeconds(5))
        .until(() -> Pools.reportsAvailable(client, "default", "code-interpreter", 1));

    // 3. The real Python SDK through a port-forward, private protocol over plain HTTP.
    forward =
        client.services().inNamespace(NS).withName("sandbox-manager").portForward(7788, localPort);
    Secret key = client.secrets().inNamespace(NS).withName("sandbox-manager-admin-key").get();
    String apiKey =
        new String(
            Base64.getDecoder().decode(key.getData().get("api-key")), StandardCharsets.UTF_8);
    Path python = ROOT.resolve("sdk/python/.venv-newest/bin/python");
    assertThat(python).as("Python venv (run sdk/python/bin/test first)").exists();
    String script =
        String.join(
            "\n",
            "from kruise_agents.patch_e2b import patch_e2b",
            "patch_e2b(https=False)",
            "from e2b_code_interpreter import Sandbox",
            "sbx = Sandbox.create(timeout=300, metadata={",
            "    'e2b.agents.kruise.io/csi-volume-name': 'e2e-csi-pv',",
            "    'e2b.agents.kruise.io/csi-mount-point': '/mnt/e2e-data'})",
            "print('SANDBOX', sbx.sandbox_id)",
            "print('CMD', sbx.commands.run('echo hello-from-$((40 + 2))').stdout.strip())",
            "print('CSI', sbx.commands.run('cat /mnt/e2e-data/hello.txt').stdout.strip())",
            "print('CODE', sbx.run_code('6 * 7').text)");
    ProcessBuilder pb =
        new ProcessBuilder(python.toString(), "-c", script).redirectErrorStream(true);
    pb.environment().put("E2B_API_KEY", apiKey);
    pb.environment().put("E2B_DOMAIN", domain);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.println(out);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .containsPattern("SANDBOX [a-z0-9]{20}\\b")
        .contains("CMD hello-from-42")
        .contains("CSI hello-from-pv")
        .contains("CODE 42");

    // 4. What operators see: the printer columns through kubectl (Table API).
    String sbx = exec("kubectl", "get", "sbx", "-A");
    assertThat(sbx.lines().findFirst().orElse(""))
        .contains("NAME", "STATUS", "AGE", "SHUTDOWN_TIME", "PAUSE_TIME", "MESSAGE");
    assertThat(sbx).contains("code-interpreter-");
    client
        .resource(
            client
                .getKubernetesSerialization()
                .unmarshal(
                    "apiVersion: agents.kruise.io/v1alpha1\nkind: SandboxClaim\n"
                        + "metadata: {name: e2e-claim, namespace: default}\n"
                        + "spec: {templateName: code-interpreter, replicas: 1}\n",
                    io.openkruise.agents.api.v1alpha1.SandboxClaim.class))
        .create();
    String sbc = exec("kubectl", "get", "sbc", "-A");
    assertThat(sbc.lines().findFirst().orElse(""))
        .contains("NAME", "PHASE", "TEMPLATE", "DESIRED", "CLAIMED", "AGE");
    assertThat(sbc).contains("e2e-claim");
  }

  private static String exec(String... cmd) throws Exception {
    ExecResult r = k3s.execInContainer(cmd);
    assertThat(r.getExitCode()).as(String.join(" ", cmd) + ": " + r.getStderr()).isZero();
    return r.getStdout();
  }

  static boolean requestedAndDockerAvailable() {
    if (!Boolean.getBoolean("kruise.e2e.k3s")) {
      // bin/test runs without it: this tier needs the Python venv that bin/test builds later.
      System.out.println("ChartOnK3sTest skipped: not requested (-Dkruise.e2e.k3s=true)");
      return false;
    }
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      available = false;
    }
    if (!available) {
      System.out.println("ChartOnK3sTest skipped: no Docker daemon (the k3s tier needs Docker)");
    }
    return available;
  }
}
