package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.node.LocalNode;
import io.openkruise.agents.localcluster.node.LocalNodeOptions;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A simulated node stops heartbeating (cut off from the API server) on a private local cluster
 * whose kube-controller-manager runs the node lifecycle controller and whose two nodes renew their
 * Leases as kubelets do. After the controller's grace period ({@code --node-monitor-grace-period},
 * {@link LocalKubernetes#NODE_MONITOR_GRACE}) it marks the node's pods not Ready; our controller
 * reports the claimed sandboxes there and refills the pool on the other node. See
 * docs/reliability.md, "Pod and node faults".
 */
@io.openkruise.agents.testing.tier.E2eTier
class NodeFaultsOnLocalClusterTest {

  private static final String POOL = "spread";
  private static final String LOST = "node-a";
  private static final String KEPT = "node-b";

  /** The services, then the node and the cluster, stop after the class. */
  @RegisterExtension static final ServiceProcesses services = new ServiceProcesses("node-faults");

  private static LocalKubernetes control;
  private static LocalNode node;
  private static KubernetesClient kube;
  private static int manager;
  private static final String NS = "node-faults";

  @BeforeAll
  static void startCluster() throws Exception {
    List<String> controllers = new ArrayList<>(LocalKubernetes.DEFAULT_CONTROLLERS);
    controllers.add("node-lifecycle-controller");
    control =
        services.closeAfterServices(
            LocalKubernetes.start(LocalKubernetes.Options.defaults().withControllers(controllers)));
    kube = control.client();
    node =
        services.closeAfterServices(
            LocalNode.start(
                kube,
                LocalNodeOptions.builder(control.workDir().resolve("node"))
                    .nodeNames(List.of(LOST, KEPT))
                    .heartbeatEvery(Duration.ofSeconds(2))
                    .build()));
    E2eFixtures.ensureSystemNamespace(kube);
    kube.namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    kube.resource(Pools.initSet(NS, POOL, 4)).create();
    String kubeconfig = control.kubeconfig().toString();
    services.start("controller-manager", FaultBed.serviceEnv(kubeconfig));
    manager = services.start("sandbox-manager", FaultBed.managerEnv(kubeconfig, NS));
    E2eFixtures.awaitAvailable(kube, NS, POOL, 4);
  }

  private static Reply call(String method, String path, String body) throws Exception {
    return FaultBed.call(manager, method, path, body, Duration.ofSeconds(60));
  }

  private static Sandbox sandboxOf(String id) {
    return kube.resources(Sandbox.class)
        .inNamespace(NS)
        .withLabel(MetadataKeys.LABEL_SANDBOX_ID, id)
        .list()
        .getItems()
        .get(0);
  }

  private static boolean nodeReady(String name) {
    Node n = kube.nodes().withName(name).get();
    return n.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Test
  void sandboxesOnANodeThatStoppedReportingAreReportedAndThePoolRefillsOnTheOther()
      throws Exception {
    // One claimed sandbox on each node (members are spread round-robin; claim until both have one).
    Map<String, String[]> claimedOn = new HashMap<>();
    for (int i = 0; i < 12 && claimedOn.size() < 2; i++) {
      Reply created = call("POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
      assertThat(created.status()).isEqualTo(201);
      String id = created.body().path("sandboxID").asText();
      String token = created.body().path("envdAccessToken").asText();
      claimedOn.putIfAbsent(sandboxOf(id).getStatus().getNodeName(), new String[] {id, token});
    }
    assertThat(claimedOn).containsKeys(LOST, KEPT);
    String lostId = claimedOn.get(LOST)[0];
    String keptId = claimedOn.get(KEPT)[0];
    assertThat(FaultBed.healthThroughProxy(manager, lostId, claimedOn.get(LOST)[1]))
        .isBetween(200, 299);
    E2eFixtures.awaitAvailable(kube, NS, POOL, 4);

    node.partition(LOST);

    // kube-controller-manager's verdict first (its grace period), then ours.
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> !nodeReady(LOST));
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Sandbox lost = sandboxOf(lostId);
              assertThat(lost.getStatus().condition(ConditionTypes.READY))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("NodeNotReady");
                      });
              assertThat(kube.v1().events().inNamespace(NS).list().getItems())
                  .anyMatch(
                      e ->
                          lost.getMetadata().getName().equals(e.getInvolvedObject().getName())
                              && "Sandbox".equals(e.getInvolvedObject().getKind())
                              && "NodeNotReady".equals(e.getReason())
                              && "Warning".equals(e.getType()));
            });
    // The manager's cache follows the Sandbox a moment later.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(call("GET", "/sandboxes/" + lostId, null).status()).isEqualTo(404);
              assertThat(FaultBed.healthThroughProxy(manager, lostId, claimedOn.get(LOST)[1]))
                  .isEqualTo(502);
            });
    assertThat(call("GET", "/sandboxes/" + keptId, null).status()).isEqualTo(200);
    assertThat(FaultBed.healthThroughProxy(manager, keptId, claimedOn.get(KEPT)[1]))
        .isBetween(200, 299);

    // The pool is back at size, every member on the node that still reports.
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              assertThat(FaultBed.available(kube, NS, POOL))
                  .as(() -> FaultBed.describePool(kube, NS, POOL))
                  .isEqualTo(4);
              List<Sandbox> members = FaultBed.members(kube, NS, POOL);
              assertThat(members).hasSize(4);
              assertThat(members)
                  .allSatisfy(m -> assertThat(m.getStatus().getNodeName()).isEqualTo(KEPT));
            });
    Reply created = call("POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(sandboxOf(created.body().path("sandboxID").asText()).getStatus().getNodeName())
        .isEqualTo(KEPT);
  }
}
