package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Repository;
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

  private static final String SERVED = "default";
  private static final String ADMIN_KEY = "e2b_" + "0a1b2c3d4e5f6789".repeat(2) + "0a1b2c3d";

  private static final Path ROOT = Repository.root();

  private static LocalCluster cluster;

  @BeforeAll
  static void installTheChart() throws Exception {
    cluster = ChartE2e.clusterRunningTheBuiltServices(ROOT);
    ChartE2e.installAndAwait(
        ROOT,
        cluster,
        ADMIN_KEY,
        Map.of("e2b.domain", "sandbox.test.local", "e2b.servedNamespaces[0]", SERVED),
        null);
  }

  @AfterAll
  static void stopTheCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theSeedFlowWorksUnderNamespaceRolesOnly() throws Exception {
    KubernetesClient kube = cluster.client();
    assertThat(
            kube.rbac().clusterRoles().list().getItems().stream()
                .map(r -> r.getMetadata().getName())
                .filter(n -> n.startsWith("kruise-agents")))
        .as("no cluster-wide role for either service")
        .isEmpty();

    kube.resource(ChartE2e.seedPool(kube, ROOT, 1)).create();
    E2eFixtures.awaitAvailable(kube, SERVED, "code-interpreter", 1);

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

  private static Pod podOf(String app) {
    return ChartE2e.podOf(cluster.client(), app);
  }

  private static String containerLog(String app) {
    return ChartE2e.containerLog(cluster, podOf(app));
  }
}
