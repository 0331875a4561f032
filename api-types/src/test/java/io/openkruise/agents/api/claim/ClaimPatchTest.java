package io.openkruise.agents.api.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ClaimPatchTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00.123Z");

  @Test
  @SuppressWarnings("unchecked")
  void carriesResourceVersionProtocolKeysAndDropsPoolOwner() {
    Sandbox candidate = Sandboxes.available("ns", "code-1", "code");
    candidate.getMetadata().setResourceVersion("42");
    ClaimRequest request =
        ClaimRequest.forOwner("key-1")
            .withLabels(Map.of("team", "a"))
            .withAnnotations(Map.of("user/meta", "v"))
            .withShutdownTime("2026-11-23T12:05:00Z");

    Map<String, Object> patch = ClaimPatch.build(candidate, request, "lock-1", NOW);

    Map<String, Object> metadata = (Map<String, Object>) patch.get("metadata");
    assertThat(metadata).containsEntry("resourceVersion", "42");
    assertThat(metadata).containsEntry("ownerReferences", null);
    assertThat((Map<String, Object>) metadata.get("labels"))
        .containsEntry("agents.kruise.io/sandbox-claimed", "true")
        .containsEntry("team", "a");
    assertThat(
            (String)
                ((Map<String, Object>) metadata.get("labels")).get(MetadataKeys.LABEL_SANDBOX_ID))
        .matches("[a-z0-9]{20}");
    assertThat((Map<String, Object>) metadata.get("annotations"))
        .containsEntry("agents.kruise.io/lock", "lock-1")
        .containsEntry("agents.kruise.io/owner", "key-1")
        .containsEntry("agents.kruise.io/claim-timestamp", "2026-11-23T12:00:00Z")
        .containsEntry("user/meta", "v");
    assertThat((Map<String, Object>) patch.get("spec"))
        .containsOnly(Map.entry("shutdownTime", "2026-11-23T12:05:00Z"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyClaimGetsAFreshUnguessableId() {
    Sandbox candidate = Sandboxes.available("ns", "code-1", "code");
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      Map<String, Object> metadata =
          (Map<String, Object>)
              ClaimPatch.build(candidate, ClaimRequest.forOwner("o"), "l", NOW).get("metadata");
      String id = ((Map<String, String>) metadata.get("labels")).get(MetadataKeys.LABEL_SANDBOX_ID);
      assertThat(SandboxIds.wellFormed(id)).isTrue();
      // Never derived from namespace or name: nothing of "ns--code-1" leaks into the ID.
      assertThat(id).doesNotContain("--");
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
    // 20 symbols of base 36 carry log2(36^20) ~ 103.4 bits.
    assertThat(SandboxIds.LENGTH * Math.log(36) / Math.log(2)).isGreaterThanOrEqualTo(96);
  }

  @Test
  @SuppressWarnings("unchecked")
  void keepsForeignOwnerReferences() {
    Sandbox candidate = Sandboxes.available("ns", "code-1", "code");
    candidate
        .getMetadata()
        .getOwnerReferences()
        .add(
            new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("ConfigMap")
                .withName("x")
                .withUid("u")
                .build());
    Map<String, Object> metadata =
        (Map<String, Object>)
            ClaimPatch.build(candidate, ClaimRequest.forOwner("o"), "l", NOW).get("metadata");
    assertThat((List<?>) metadata.get("ownerReferences")).hasSize(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void imageReplacesOnlyTheFirstContainerImageAndLeavesTheCacheAlone() {
    Sandbox candidate = Sandboxes.available("ns", "code-1", "code");
    Map<String, Object> patch =
        ClaimPatch.build(candidate, ClaimRequest.forOwner("o").withImage("img:v2"), "l", NOW);
    Map<String, Object> template =
        (Map<String, Object>) ((Map<String, Object>) patch.get("spec")).get("template");
    List<io.fabric8.kubernetes.api.model.Container> containers =
        (List<io.fabric8.kubernetes.api.model.Container>)
            ((Map<String, Object>) template.get("spec")).get("containers");
    assertThat(containers).extracting("image").containsExactly("img:v2", "side:v1");
    assertThat(candidate.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("img:v1");
  }

  @Test
  void imageOnATemplateWithoutContainersIsRejected() {
    Sandbox candidate = Sandboxes.available("ns", "code-1", "code");
    candidate.getSpec().setTemplate(null);
    assertThatThrownBy(
            () -> ClaimPatch.build(candidate, ClaimRequest.forOwner("o").withImage("x"), "l", NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
