package io.openkruise.agents.api.claim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Claim protocol against the fabric8 mock server in CRUD mode, which enforces resourceVersion on
 * merge patches. The real API server runs the same scenarios in the controller and manager tests.
 */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class SandboxClaimerTest {

  KubernetesMockServer server;
  KubernetesClient client;

  private List<Sandbox> createPool(String set, int size) {
    List<Sandbox> created = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      created.add(client.resource(Sandboxes.available("ns", set + "-" + i, set)).create());
    }
    return created;
  }

  private List<Sandbox> listPool() {
    return client.resources(Sandbox.class).inNamespace("ns").list().getItems();
  }

  @Test
  void claimWritesOwnerAndTakesTheSandboxOutOfThePool() {
    createPool("code", 1);
    SandboxClaimer claimer = new SandboxClaimer(client, Clock.systemUTC(), new Random());

    SandboxClaimer.Result result = claimer.claimOne(listPool(), ClaimRequest.forOwner("key-1"));

    assertThat(result).isInstanceOf(SandboxClaimer.Result.Claimed.class);
    Sandbox stored = client.resources(Sandbox.class).inNamespace("ns").withName("code-0").get();
    assertThat(stored.getMetadata().getAnnotations())
        .containsEntry(MetadataKeys.ANNOTATION_OWNER, "key-1")
        .containsKey(MetadataKeys.ANNOTATION_LOCK);
    assertThat(stored.getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    assertThat(SandboxState.poolOwner(stored)).isEmpty();
    assertThat(claimer.claimOne(listPool(), ClaimRequest.forOwner("key-2")))
        .isInstanceOf(SandboxClaimer.Result.NoneAvailable.class);
  }

  @Test
  void staleCachedCopyLosesWith409() {
    Sandbox cached = createPool("code", 1).get(0);
    SandboxClaimer a = new SandboxClaimer(client, Clock.systemUTC(), new Random());
    SandboxClaimer b = new SandboxClaimer(client, Clock.systemUTC(), new Random());

    assertThat(a.tryClaim(cached, ClaimRequest.forOwner("a"))).isPresent();
    // b still holds the version it read before a's claim.
    assertThat(b.tryClaim(cached, ClaimRequest.forOwner("b"))).isEmpty();
    SandboxClaimer.Result second = b.claimOne(List.of(cached), ClaimRequest.forOwner("b"));
    assertThat(second).isEqualTo(new SandboxClaimer.Result.NoneAvailable(1, 1));
    assertThat(
            client
                .resources(Sandbox.class)
                .inNamespace("ns")
                .withName("code-0")
                .get()
                .getMetadata()
                .getAnnotations())
        .containsEntry(MetadataKeys.ANNOTATION_OWNER, "a");
  }

  @Test
  void eightConcurrentClaimersNeverTakeTheSameSandbox() throws Exception {
    List<Sandbox> snapshot = createPool("code", 20);
    Set<String> claimedNames = ConcurrentHashMap.newKeySet();
    List<String> duplicates = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      // One claimer per thread stands for one process: only the API server can stop races.
      SandboxClaimer claimer = new SandboxClaimer(client, Clock.systemUTC(), new Random(t));
      String owner = "owner-" + t;
      results.add(
          pool.submit(
              () -> {
                int mine = 0;
                // Every claimer works from the same stale snapshot, as informer caches would lag.
                List<Sandbox> view = snapshot;
                for (int attempt = 0; attempt < 50; attempt++) {
                  SandboxClaimer.Result r = claimer.claimOne(view, ClaimRequest.forOwner(owner));
                  if (r instanceof SandboxClaimer.Result.Claimed c) {
                    mine++;
                    if (!claimedNames.add(c.sandbox().getMetadata().getName())) {
                      synchronized (duplicates) {
                        duplicates.add(c.sandbox().getMetadata().getName());
                      }
                    }
                  } else {
                    view = listPool();
                  }
                }
                return mine;
              }));
    }
    int total = 0;
    for (Future<Integer> f : results) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdownNow();

    assertThat(duplicates).isEmpty();
    assertThat(total).isEqualTo(20);
    assertThat(claimedNames).hasSize(20);
    assertThat(listPool())
        .allSatisfy(
            s ->
                assertThat(s.getMetadata().getAnnotations())
                    .containsKey(MetadataKeys.ANNOTATION_OWNER));
  }
}
