package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restarts in the middle of work, on a private local cluster (its API server and etcd are killed):
 * the controller-manager (two replicas with leader election), the API server with etcd's data kept,
 * and etcd itself. Each test counts Sandboxes and pods before and after against the spec and what
 * clients hold. See docs/reliability.md, "Restarts".
 */
@io.openkruise.agents.testing.tier.E2eTier
class RestartsOnLocalClusterTest {

  /** Each test's services stop after it; the cluster after the class. */
  @RegisterExtension static final ServiceProcesses services = new ServiceProcesses("restarts");

  private static LocalCluster cluster;
  private static LocalKubernetes control;
  private static KubernetesClient kube;

  @BeforeAll
  static void startCluster() {
    cluster = services.closeAfterServices(LocalCluster.startReal(LocalCluster.Options.defaults()));
    control = cluster.kubernetes().orElseThrow();
    kube = cluster.client();
    E2eFixtures.ensureSystemNamespace(kube);
  }

  private int startController(String identity) throws Exception {
    // HOSTNAME is the Lease identity, as a pod's name is in a Deployment.
    Map<String, String> env = FaultBed.serviceEnv(cluster.kubeconfig().toString());
    env.put("HOSTNAME", identity);
    return services.start("controller-manager", env);
  }

  private static void scale(String ns, String set, int replicas) {
    kube.resources(SandboxSet.class)
        .inNamespace(ns)
        .withName(set)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  /** Pool at size, nothing beyond the spec, every pod with its Sandbox. */
  private static void awaitPoolSettledAt(String ns, String set, int replicas) {
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              assertThat(FaultBed.available(kube, ns, set))
                  .as(() -> FaultBed.describePool(kube, ns, set))
                  .isEqualTo(replicas);
              assertThat(FaultBed.members(kube, ns, set)).hasSize(replicas);
            });
    FaultBed.assertOnePodPerSandboxAndNoOrphans(kube, ns);
    assertThat(kube.pods().inNamespace(ns).list().getItems())
        .filteredOn(p -> p.getMetadata().getDeletionTimestamp() == null)
        .hasSize(FaultBed.sandboxes(kube, ns).size());
  }

  @Test
  void leaderKilledWhileAPoolScalesUpIsReplacedAndThePoolEndsAtItsSizeWithNoExtras()
      throws Exception {
    String ns = cluster.createNamespace("restart-controller");
    int a = startController("controller-a");
    FaultBed.awaitLeader(kube, "controller-a");
    int b = startController("controller-b");
    kube.resource(Pools.initSet(ns, "grow", 0)).create();

    scale(ns, "grow", 30);
    // Mid-work: some members exist, the pool is not at size yet.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !FaultBed.members(kube, ns, "grow").isEmpty());
    services.kill(a);
    int seenAtKill = FaultBed.available(kube, ns, "grow");
    assertThat(seenAtKill).as("killed before the pool was ready").isLessThan(30);

    FaultBed.awaitLeader(kube, "controller-b");
    awaitPoolSettledAt(ns, "grow", 30);

    // The killed replica comes back as a standby; the leader moves to it when B dies.
    int a2 = startController("controller-a");
    assertThat(FaultBed.leader(kube)).isEqualTo("controller-b");
    scale(ns, "grow", 12);
    services.kill(b);
    FaultBed.awaitLeader(kube, "controller-a");
    awaitPoolSettledAt(ns, "grow", 12);
    assertThat(a2).isPositive();
  }

  /**
   * The API server and then etcd, each SIGKILLed, left down for 3 s and started again on its port
   * with its data, during one burst of creates (one burst for both: the services' start, the pool
   * and the counts are the same; a replica must come back from the second outage as from the
   * first).
   */
  @Test
  void apiServerAndThenEtcdRestartedDuringOneBurstOfCreates() throws Exception {
    burstThroughOutages(
        "restart-control-plane",
        List.of(
            lk -> {
              lk.killApiServer();
              pause(Duration.ofSeconds(3));
              lk.startApiServer();
            },
            lk -> {
              lk.killEtcd();
              pause(Duration.ofSeconds(3));
              lk.startEtcd();
            }));
  }

  /**
   * A controller and two sandbox-managers, a pool of 10; 24 creates at concurrency 4 whose clients
   * retry, and the {@code outages} in turn, the first once 4 creates succeeded, each next 8 creates
   * later. Afterwards: every client holds its own sandbox, the namespace holds exactly those
   * claimed Sandboxes (nothing leaked by a create cut short), the pool is back at size, every pod
   * has its Sandbox, and both managers list every sandbox (their caches re-listed and watch again).
   */
  private void burstThroughOutages(String prefix, List<Consumer<LocalKubernetes>> outages)
      throws Exception {
    String ns = cluster.createNamespace(prefix);
    kube.resource(Pools.initSet(ns, "burst", 10)).create();
    startController(prefix + "-controller");
    Map<String, String> env = FaultBed.managerEnv(cluster.kubeconfig().toString(), ns);
    int m1 = services.start("sandbox-manager", env);
    int m2 = services.start("sandbox-manager", env);
    E2eFixtures.awaitAvailable(kube, ns, "burst", 10);

    CompletableFuture<FaultBed.Burst> burst =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return FaultBed.burst(List.of(m1, m2), "burst", 24, 4, Duration.ofSeconds(240));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    int landAt = 4;
    for (Consumer<LocalKubernetes> outage : outages) {
      int claimed = landAt;
      await()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions() // the API server may still be coming back from the last outage
          .until(() -> burst.isDone() || FaultBed.claimed(kube, ns).size() >= claimed);
      assertThat(burst).as("the outage after %d claims must land mid-burst", landAt).isNotDone();
      outage.accept(control);
      landAt += 8;
    }
    FaultBed.Burst result = burst.get();

    assertThat(result.failures()).isEmpty();
    assertThat(result.ids()).hasSize(24);
    // Nothing leaked: the claimed Sandboxes are exactly the ones clients hold, each under one ID.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Set<String> labelled = new HashSet<>();
              for (Sandbox s : FaultBed.claimed(kube, ns)) {
                labelled.add(s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_ID));
              }
              assertThat(labelled).containsExactlyInAnyOrderElementsOf(result.ids());
            });
    awaitPoolSettledAt(ns, "burst", 10);
    // Both replicas watch again: their lists (served from their caches) show every sandbox.
    for (int port : List.of(m1, m2)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                Reply listed =
                    E2bApi.call(
                        "http://127.0.0.1:" + port,
                        "GET",
                        "/v2/sandboxes?limit=100",
                        FaultBed.ADMIN_KEY,
                        null,
                        Duration.ofSeconds(30));
                assertThat(listed.status()).isEqualTo(200);
                Set<String> ids = new HashSet<>();
                listed.body().forEach(s -> ids.add(s.path("sandboxID").asText()));
                assertThat(ids).containsExactlyInAnyOrderElementsOf(result.ids());
              });
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
