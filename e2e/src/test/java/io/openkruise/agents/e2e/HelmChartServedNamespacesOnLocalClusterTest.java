package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.e2e.E2bApi.Reply;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.node.ImageProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart with {@code e2b.servedNamespaces}: both services run under Roles in the served
 * namespace only (no ClusterRole at all), the controller watches only there, and the seed flow
 * still works; nothing either service does is refused by the API server.
 */
@io.openkruise.agents.testing.tier.E2eTier
class HelmChartServedNamespacesOnLocalClusterTest {

  private static final String NS = "sandbox-system";
  private static final String SERVED = "default";
  private static final String ADMIN_KEY = "e2b_" + "0a1b2c3d4e5f6789".repeat(2) + "0a1b2c3d";

  private static LocalCluster cluster;
  private static KubernetesClient kube;
  private static Path root;

  @BeforeAll
  static void installTheChart() throws Exception {
    root = projectRoot();
    cluster =
        LocalCluster.startReal(
            LocalCluster.Options.defaults()
                .withImageProcesses(
                    Map.of(
                        "openkruise/kruise-agents-sandbox-manager", quarkusApp("sandbox-manager"),
                        "openkruise/kruise-agents-controller-manager",
                            quarkusApp("controller-manager"))));
    kube = cluster.client();
    Helm.install(root.resolve("helm/kruise-agents").toString())
        .withName("kruise-agents")
        .withNamespace(NS)
        .createNamespace()
        .withKubeConfig(cluster.kubeconfig())
        .set("e2b.domain", "sandbox.test.local")
        .set("e2b.adminKey.value", ADMIN_KEY)
        .set("e2b.servedNamespaces[0]", SERVED)
        .set("sandboxManager.replicas", 1)
        .set("controllerManager.replicas", 1)
        .call();
    awaitAvailable("sandbox-controller-manager");
    awaitAvailable("sandbox-manager");
  }

  @AfterAll
  static void stopTheCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theSeedFlowWorksUnderNamespaceRolesOnly() throws Exception {
    assertThat(
            kube.rbac().clusterRoles().list().getItems().stream()
                .map(r -> r.getMetadata().getName())
                .filter(n -> n.startsWith("kruise-agents")))
        .as("no cluster-wide role for either service")
        .isEmpty();

    SandboxSet seed =
        kube.resources(SandboxSet.class)
            .load(root.resolve("deploy/examples/sandboxset-code-interpreter.yaml").toFile())
            .item();
    seed.getSpec().setReplicas(1);
    kube.resource(seed).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              SandboxSet s =
                  kube.resources(SandboxSet.class)
                      .inNamespace(SERVED)
                      .withName("code-interpreter")
                      .get();
              return s.getStatus() != null && s.getStatus().getAvailableReplicas() >= 1;
            });

    String manager = "http://" + podOf("sandbox-manager").getStatus().getPodIP() + ":7788";
    Reply created =
        E2bApi.call(
            manager,
            "POST",
            "/sandboxes",
            ADMIN_KEY,
            "{\"templateID\":\"code-interpreter\"}",
            Duration.ofSeconds(90));
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    assertThat(
            E2bApi.call(
                    manager, "DELETE", "/sandboxes/" + id, ADMIN_KEY, null, Duration.ofSeconds(30))
                .status())
        .isEqualTo(204);

    for (String app : List.of("sandbox-manager", "sandbox-controller-manager")) {
      assertThat(containerLog(app)).as(app).doesNotContain("forbidden");
    }
  }

  private static ImageProcess quarkusApp(String module) {
    Path jar = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build the reactor first");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ImageProcess(
        List.of(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-jar",
            jar.toString()),
        Map.of(
            "QUARKUS_HTTP_HOST",
            ImageProcess.POD_IP,
            "QUARKUS_MANAGEMENT_HOST",
            ImageProcess.POD_IP));
  }

  private static void awaitAvailable(String deployment) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              Deployment d = kube.apps().deployments().inNamespace(NS).withName(deployment).get();
              return d != null
                  && d.getStatus() != null
                  && d.getStatus().getAvailableReplicas() != null
                  && d.getStatus().getAvailableReplicas() >= 1;
            });
  }

  private static Pod podOf(String app) {
    return kube
        .pods()
        .inNamespace(NS)
        .withLabel("app.kubernetes.io/name", app)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .findFirst()
        .orElseThrow();
  }

  private static String containerLog(String app) throws IOException {
    Pod pod = podOf(app);
    String container = pod.getSpec().getContainers().get(0).getName();
    return Files.readString(
        cluster
            .kubernetes()
            .orElseThrow()
            .workDir()
            .resolve("node/logs")
            .resolve(NS + "_" + pod.getMetadata().getName() + "_" + container + ".log"));
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("helm/kruise-agents/Chart.yaml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the project root");
    }
    return dir;
  }
}
