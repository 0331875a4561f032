package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Pools;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sandbox-manager SIGKILLed in the middle of a burst of creates (issue 19, item 1): replica A
 * sleeps between claim and {@code /init} (the test-only {@code
 * KRUISE_E2B_TEST_ONLY_DELAY_BEFORE_INIT}, so the kill lands while its claims are unfinished), and
 * is killed once it holds some; every client retries on replica B. Afterwards no sandbox is left
 * claimed but uninitialised (the controller's unfinished-claim reaper, bound {@code
 * -De2e.unfinished-claim-timeout}, default 10s; {@code 0s} turns it off and the test fails), no
 * sandbox was handed to two clients, and every client got a sandbox.
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.E2eTier
class CrashedClaimsOnLocalClusterTest {

  private static final String ADMIN_KEY = "e2b_" + "fedcba9876543210".repeat(2) + "76543210";
  private static final String POOL = "crash-pool";
  private static final int CLIENTS = 8;

  @RegisterExtension static final ServiceProcesses services = new ServiceProcesses();

  private static int managerA;
  private static int managerB;

  @BeforeAll
  static void startServices(LocalCluster cluster, KubernetesClient kube, @TestNamespace String ns)
      throws Exception {
    FaultBed.pool(kube, Pools.initSet(ns, POOL, 2 * CLIENTS));
    Map<String, String> controller =
        Map.of(
            "KUBECONFIG",
            cluster.kubeconfig().toString(),
            "KRUISE_CONTROLLER_UNFINISHED_CLAIM_TIMEOUT",
            System.getProperty("e2e.unfinished-claim-timeout", "10s"));
    try {
      services.start("controller-manager", controller);
    } catch (IllegalStateException overloaded) {
      // On a saturated machine its informers may time out while starting (it then stops): once
      // more.
      services.start("controller-manager", controller);
    }
    Map<String, String> slow =
        new java.util.HashMap<>(E2eFixtures.managerEnv(cluster, ADMIN_KEY, ns));
    slow.put("KRUISE_E2B_TEST_ONLY_DELAY_BEFORE_INIT", "30s");
    managerA = services.start("sandbox-manager", slow);
    Map<String, String> survivor =
        new java.util.HashMap<>(E2eFixtures.managerEnv(cluster, ADMIN_KEY, ns));
    // Under half the test's short reaper bound, as configuration.md asks: a create on B slower
    // than this records its init before answering.
    survivor.put("KRUISE_E2B_INIT_MARK_SYNC_AFTER", "4s");
    managerB = services.start("sandbox-manager", survivor);
    E2eFixtures.awaitAvailable(kube, ns, POOL, 2 * CLIENTS);
  }

  private static final String CREATE = "{\"templateID\":\"" + POOL + "\",\"timeout\":600}";

  /** One SDK-like client: create on A; when A dies under it, create again on B. */
  private static Reply createWithRetry() throws Exception {
    try {
      return E2bApi.call(
          "http://127.0.0.1:" + managerA,
          "POST",
          "/v2/sandboxes",
          ADMIN_KEY,
          CREATE,
          Duration.ofSeconds(120));
    } catch (IOException replicaGone) {
      return E2bApi.call(
          "http://127.0.0.1:" + managerB,
          "POST",
          "/v2/sandboxes",
          ADMIN_KEY,
          CREATE,
          Duration.ofSeconds(60));
    }
  }

  /** Claimed, not being deleted, and not initialised (yet). */
  private static List<Sandbox> unfinished(KubernetesClient kube, String ns) {
    return FaultBed.claimed(kube, ns).stream()
        .filter(
            s ->
                "false"
                    .equals(
                        s.getMetadata()
                            .getAnnotations()
                            .get(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED)))
        .toList();
  }

  @Test
  void aReplicaKilledMidBurstLeavesNoUnfinishedClaimAndNoDoubleAllocation(
      KubernetesClient kube, @TestNamespace String ns) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      replies.add(pool.submit(CrashedClaimsOnLocalClusterTest::createWithRetry));
    }
    // Kill A while it holds claims it has not finished (it sleeps before /init).
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> unfinished(kube, ns).size() >= CLIENTS / 2);
    services.kill(managerA);

    Set<String> ids = new HashSet<>();
    for (Future<Reply> f : replies) {
      Reply r = f.get(3, TimeUnit.MINUTES);
      assertThat(r.status()).as("create retried on the surviving replica").isEqualTo(201);
      String id = r.body().path("sandboxID").asText();
      assertThat(ids.add(id)).as("sandbox %s handed to two clients", id).isTrue();
    }
    pool.shutdown();

    // Every sandbox a client got is its own, initialised, and stays. Its mark lands just after
    // the answer (or, had its manager died first, from the controller's probe after the bound).
    Set<String> names = new HashSet<>();
    for (String id : ids) {
      List<Sandbox> found = FaultBed.withSandboxId(kube, ns, id);
      assertThat(found).as("one Sandbox behind %s", id).hasSize(1);
      assertThat(names.add(found.get(0).getMetadata().getName())).isTrue();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(FaultBed.withSandboxId(kube, ns, id))
                      .singleElement()
                      .satisfies(
                          s ->
                              assertThat(s.getMetadata().getAnnotations())
                                  .containsEntry(
                                      MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true")));
    }

    // After the bound, nothing is left claimed but uninitialised, and each removal says why.
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(unfinished(kube, ns))
                    .as("claimed but never initialised")
                    .extracting(s -> s.getMetadata().getName())
                    .isEmpty());
    List<Event> events =
        kube.v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "ClaimNeverCompleted".equals(e.getReason()))
            .toList();
    assertThat(events).isNotEmpty();
    assertThat(events).allMatch(e -> "Sandbox".equals(e.getInvolvedObject().getKind()));
    for (String id : ids) {
      Reply still =
          E2bApi.call(
              "http://127.0.0.1:" + managerB,
              "GET",
              "/sandboxes/" + id,
              ADMIN_KEY,
              null,
              Duration.ofSeconds(30));
      assertThat(still.status()).as("sandbox %s a client holds is kept", id).isEqualTo(200);
    }
  }
}
