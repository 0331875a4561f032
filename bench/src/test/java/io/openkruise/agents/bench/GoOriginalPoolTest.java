package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class GoOriginalPoolTest {

  private static final String MEMBER =
      """
      {"apiVersion":"agents.kruise.io/v1alpha1","kind":"Sandbox",
       "metadata":{"name":"code-interpreter-x","namespace":"default",
         "labels":{"agents.kruise.io/sandbox-pool":"code-interpreter",
                   "agents.kruise.io/sandbox-claimed":"%s"},
         "annotations":{%s},
         "ownerReferences":[{"apiVersion":"agents.kruise.io/v1alpha1","kind":"%s",
           "name":"code-interpreter","uid":"u","controller":true}]},
       "status":{"phase":"%s","podInfo":{"podIP":"%s"},
         "conditions":[{"type":"Ready","status":"%s"}]}}
      """;

  private static GenericKubernetesResource member(
      String claimed, String annotations, String owner, String phase, String ip, String ready) {
    return Serialization.unmarshal(
        MEMBER.formatted(claimed, annotations, owner, phase, ip, ready),
        GenericKubernetesResource.class);
  }

  @Test
  void aReadyUnclaimedMemberWithAnAddressIsClaimable() {
    assertThat(
            Pool.goOriginalClaimable(
                member("false", "", "SandboxSet", "Running", "127.1.0.2", "True")))
        .isTrue();
  }

  @Test
  void claimedLockedOrphanedStartingUnreadyOrAddresslessMembersAreNot() {
    assertThat(
            Pool.goOriginalClaimable(
                member("true", "", "SandboxSet", "Running", "1.2.3.4", "True")))
        .isFalse();
    assertThat(
            Pool.goOriginalClaimable(
                member(
                    "false",
                    "\"agents.kruise.io/lock\":\"m\"",
                    "SandboxSet",
                    "Running",
                    "1.2.3.4",
                    "True")))
        .isFalse();
    assertThat(Pool.goOriginalClaimable(member("false", "", "Other", "Running", "1.2.3.4", "True")))
        .isFalse();
    assertThat(
            Pool.goOriginalClaimable(
                member("false", "", "SandboxSet", "Pending", "1.2.3.4", "True")))
        .isFalse();
    assertThat(
            Pool.goOriginalClaimable(
                member("false", "", "SandboxSet", "Running", "1.2.3.4", "False")))
        .isFalse();
    assertThat(Pool.goOriginalClaimable(member("false", "", "SandboxSet", "Running", "", "True")))
        .isFalse();
  }
}
