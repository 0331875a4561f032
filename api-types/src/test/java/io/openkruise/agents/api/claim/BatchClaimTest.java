package io.openkruise.agents.api.claim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batch claim with create-on-no-stock against the mock server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class BatchClaimTest {

  KubernetesMockServer server;
  KubernetesClient client;

  private BatchClaim batch() {
    return new BatchClaim(
        client,
        new SandboxClaimer(client, Clock.systemUTC(), new Random()),
        Clock.systemUTC(),
        new Random());
  }

  private List<Sandbox> pool() {
    return client
        .resources(Sandbox.class)
        .inNamespace("ns")
        .withLabel(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false")
        .list()
        .getItems();
  }

  @Test
  void claimsFromStockFirstThenCreatesTheRestWhenAllowed() {
    client.resource(Sandboxes.available("ns", "code-0", "code")).create();
    SandboxSet set = ClaimProtocolPartsTest.set("ns", "code", "img:v1");

    BatchClaim.Outcome outcome =
        batch().claim(this::pool, ClaimRequest.forOwner("claim-uid"), 3, List.of(set));

    assertThat(outcome.claimed())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("code-0");
    assertThat(outcome.created()).hasSize(2);
    assertThat(outcome.count()).isEqualTo(3);
    for (Sandbox created : outcome.created()) {
      assertThat(SandboxOwners.ownedBy(created, "claim-uid")).isTrue();
      assertThat(created.getMetadata().getOwnerReferences()).isEmpty();
      assertThat(created.getMetadata().getLabels())
          .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true")
          .containsEntry(MetadataKeys.LABEL_TEMPLATE_HASH, PoolMembers.revision(set));
    }
  }

  @Test
  void withoutCreateOnNoStockAShortBatchStaysShort() {
    client.resource(Sandboxes.available("ns", "code-0", "code")).create();

    BatchClaim.Outcome outcome =
        batch().claim(this::pool, ClaimRequest.forOwner("key-1"), 2, List.of());

    assertThat(outcome.claimed()).hasSize(1);
    assertThat(outcome.created()).isEmpty();
    assertThat(outcome.candidates()).isZero();
  }

  @Test
  void aPassThatOnlyLostRacesCreatesNothing() {
    Sandbox stale = client.resource(Sandboxes.available("ns", "code-0", "code")).create();
    // Someone else claims it after we read the pool: our copy is stale, the pass sees 1 candidate.
    new SandboxClaimer(client, Clock.systemUTC(), new Random())
        .tryClaim(stale, ClaimRequest.forOwner("other"));
    SandboxSet set = ClaimProtocolPartsTest.set("ns", "code", "img:v1");

    BatchClaim.Outcome outcome =
        batch().claim(() -> List.of(stale), ClaimRequest.forOwner("key-1"), 1, List.of(set));

    assertThat(outcome.count()).isZero();
    assertThat(outcome.conflicts()).isEqualTo(1);
    assertThat(outcome.candidates()).isEqualTo(1);
    assertThat(client.resources(Sandbox.class).inNamespace("ns").list().getItems()).hasSize(1);
  }
}
