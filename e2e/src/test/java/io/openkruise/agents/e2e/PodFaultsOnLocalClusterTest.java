package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import io.openkruise.agents.localcluster.node.LocalNode;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sandbox's pod dies under it (its containers killed on the simulated node, or the pod deleted):
 * what the Sandbox, the E2B API and the proxy say, and that the pool replaces a member it lost.
 * Both services run as processes on the shared local cluster. See docs/reliability.md, "Pod and
 * node faults".
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.E2eTier
class PodFaultsOnLocalClusterTest {

  private static final String POOL = "faults";

  @RegisterExtension static final ServiceProcesses services = new ServiceProcesses("pod-faults");

  private static int managerA;
  private static int managerB;
  private static KubernetesClient kube;
  private static LocalNode node;
  private static String ns;

  @BeforeAll
  static void startServices(
      LocalCluster cluster,
      KubernetesClient client,
      LocalNode localNode,
      @TestNamespace String namespace)
      throws Exception {
    kube = client;
    node = localNode;
    ns = namespace;
    SandboxSet pool = Pools.initSet(ns, POOL, 3);
    // A container that dies ends the pod (the simulator models no in-place restarts).
    pool.getSpec().getTemplate().getSpec().setRestartPolicy("Never");
    FaultBed.pool(client, pool);
    String kubeconfig = cluster.kubeconfig().toString();
    services.start("controller-manager", FaultBed.serviceEnv(kubeconfig));
    Map<String, String> env = FaultBed.managerEnv(kubeconfig, ns);
    managerA = services.start("sandbox-manager", env);
    managerB = services.start("sandbox-manager", env);
    E2eFixtures.awaitAvailable(kube, ns, POOL, 3);
  }

  private static Reply call(int port, String method, String path, String body) throws Exception {
    return FaultBed.call(port, method, path, body, Duration.ofSeconds(60));
  }

  private static Sandbox sandboxOf(String id) {
    List<Sandbox> found = FaultBed.withSandboxId(kube, ns, id);
    return found.isEmpty() ? null : found.get(0);
  }

  private static List<Event> eventsOf(String name) {
    return kube.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(e -> "Sandbox".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  @Test
  void claimedSandboxWhoseContainersAreKilledIsReportedFailedAndNoLongerServed() throws Exception {
    claimedSandboxLosesItsPod(s -> node.killPod(ns, s.getMetadata().getName()), "exit code 137");
  }

  @Test
  void claimedSandboxWhosePodIsDeletedIsReportedFailedAndNoLongerServed() throws Exception {
    claimedSandboxLosesItsPod(
        s -> kube.pods().inNamespace(ns).withName(s.getMetadata().getName()).delete(),
        "Pod Not Found");
  }

  /**
   * Claims a sandbox, checks the proxy reaches it, applies {@code fault} to its pod, then: the
   * Sandbox is Failed with Ready False and a Warning Event saying why, get and connect answer 404
   * on both replicas (E2B's "sandbox not found": it is gone for the user), the proxy refuses with
   * 502 (E2B's answer for a sandbox that is not running), kill still removes it (204) and the pool
   * never noticed (a claimed sandbox is not a member).
   */
  private void claimedSandboxLosesItsPod(Consumer<Sandbox> fault, String why) throws Exception {
    Reply created = call(managerA, "POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    String token = created.body().path("envdAccessToken").asText();
    assertThat(FaultBed.healthThroughProxy(managerB, id, token)).isBetween(200, 299);
    Sandbox before = sandboxOf(id);
    String name = before.getMetadata().getName();

    fault.accept(before);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              Sandbox s = sandboxOf(id);
              assertThat(s.getStatus().getPhase()).isEqualTo(SandboxPhase.FAILED);
              assertThat(s.getStatus().getMessage()).contains(why);
              assertThat(Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.READY))
                  .isFalse();
              assertThat(eventsOf(name))
                  .anyMatch(e -> "Warning".equals(e.getType()) && e.getMessage().contains(why));
            });
    for (int port : List.of(managerA, managerB)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                Reply info = call(port, "GET", "/sandboxes/" + id, null);
                assertThat(info.status()).isEqualTo(404);
                assertThat(info.body().path("code").asInt()).isEqualTo(404);
              });
      assertThat(call(port, "POST", "/sandboxes/" + id + "/connect", "{\"timeout\":60}").status())
          .isEqualTo(404);
      assertThat(FaultBed.healthThroughProxy(port, id, token)).isEqualTo(502);
    }
    // The owner can still clean it up; afterwards it is gone for good.
    assertThat(call(managerB, "DELETE", "/sandboxes/" + id, null).status()).isEqualTo(204);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> kube.resources(Sandbox.class).inNamespace(ns).withName(name).get() == null);
    assertThat(FaultBed.members(kube, ns, POOL)).hasSize(3);
  }

  @Test
  void poolMemberWhoseContainersAreKilledIsReplaced() throws Exception {
    poolMemberLosesItsPod(s -> node.killPod(ns, s.getMetadata().getName()));
  }

  @Test
  void poolMemberWhosePodIsDeletedIsReplaced() throws Exception {
    poolMemberLosesItsPod(
        s -> kube.pods().inNamespace(ns).withName(s.getMetadata().getName()).delete());
  }

  private void poolMemberLosesItsPod(Consumer<Sandbox> fault) throws Exception {
    E2eFixtures.awaitAvailable(kube, ns, POOL, 3);
    Sandbox victim = FaultBed.members(kube, ns, POOL).get(0);
    String name = victim.getMetadata().getName();

    fault.accept(victim);

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(kube.resources(Sandbox.class).inNamespace(ns).withName(name).get())
                  .isNull();
              assertThat(FaultBed.available(kube, ns, POOL))
                  .as(() -> FaultBed.describePool(kube, ns, POOL))
                  .isEqualTo(3);
              assertThat(FaultBed.members(kube, ns, POOL)).hasSize(3);
            });
    FaultBed.assertOnePodPerSandboxAndNoOrphans(kube, ns);
    // The refilled pool serves creates again.
    Reply created = call(managerB, "POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(
            call(
                    managerA,
                    "DELETE",
                    "/sandboxes/" + created.body().path("sandboxID").asText(),
                    null)
                .status())
        .isEqualTo(204);
  }
}
