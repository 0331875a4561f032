package io.openkruise.agents.api.claim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of the claim protocol: owner, lock, init decision, revision. */
@io.openkruise.agents.testing.tier.UnitTier
class ClaimProtocolPartsTest {

  static SandboxSet set(String namespace, String name, String image) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setNamespace(namespace);
    set.getMetadata().setName(name);
    set.getMetadata().setUid("uid-" + name);
    set.getMetadata().setAnnotations(new HashMap<>());
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("sandbox").withImage(image).build())
            .endSpec()
            .build());
    set.setSpec(spec);
    return set;
  }

  @Test
  void ownerIsReadFromTheOwnerAnnotationOnly() {
    Sandbox s = Sandboxes.available("ns", "a", "code");
    assertThat(SandboxOwners.owner(s)).isEmpty();
    assertThat(SandboxOwners.ownedBy(s, "key-1")).isFalse();

    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_OWNER, "");
    assertThat(SandboxOwners.owner(s)).isEmpty();
    assertThat(SandboxOwners.ownedBy(s, "")).isFalse();

    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_OWNER, "key-1");
    assertThat(SandboxOwners.owner(s)).contains("key-1");
    assertThat(SandboxOwners.ownedBy(s, "key-1")).isTrue();
    assertThat(SandboxOwners.ownedBy(s, "key-2")).isFalse();

    s.getMetadata().setAnnotations(null);
    assertThat(SandboxOwners.owner(s)).isEmpty();
  }

  @Test
  void scaleDownLockCarriesTheVersionItWasPlannedOnAndMakesTheMemberUnclaimable() {
    Sandbox member = Sandboxes.available("ns", "a", "code");
    member.getMetadata().setResourceVersion("17");
    assertThat(ScaleDownLock.isLocked(member)).isFalse();
    assertThat(SandboxState.isClaimable(member, Instant.now())).isTrue();

    Map<String, Object> patch = ScaleDownLock.patch(member, "lock-1");
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) patch.get("metadata");
    assertThat(metadata)
        .containsEntry("resourceVersion", "17")
        .containsEntry(
            "annotations",
            Map.of(
                MetadataKeys.ANNOTATION_LOCK,
                "lock-1",
                MetadataKeys.ANNOTATION_OWNER,
                MetadataKeys.OWNER_SCALE_DOWN));

    member.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_LOCK, "lock-1");
    assertThat(ScaleDownLock.isLocked(member)).isTrue();
    assertThat(SandboxState.isClaimable(member, Instant.now())).isFalse();
    member.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_LOCK, "");
    assertThat(ScaleDownLock.isLocked(member)).isFalse();
  }

  @Test
  void runtimeInitIsWhatTheTemplateAsksForInTheSandboxsNamespace() {
    SandboxSet asks = set("ns", "code", "img:v1");
    asks.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true");
    SandboxSet elsewhere = set("other", "code", "img:v1");
    elsewhere.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true");
    SandboxSet quiet = set("ns", "code", "img:v1");
    quiet.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "false");

    assertThat(RuntimeInitDecision.shouldInit(asks)).isTrue();
    assertThat(RuntimeInitDecision.shouldInit(quiet)).isFalse();
    Sandbox s = Sandboxes.available("ns", "a", "code");
    assertThat(RuntimeInitDecision.shouldInit(s, List.of(asks))).isTrue();
    assertThat(RuntimeInitDecision.shouldInit(s, List.of(elsewhere))).isFalse();
    assertThat(RuntimeInitDecision.shouldInit(s, List.of(quiet))).isFalse();
    assertThat(RuntimeInitDecision.shouldInit(s, List.of())).isFalse();
    // The member's own copy (PoolMembers copies it from the set) is enough.
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true");
    assertThat(RuntimeInitDecision.shouldInit(s, List.of())).isTrue();
    assertThat(
            RuntimeInitDecision.shouldInit(
                PoolMembers.newMember(asks, PoolMembers.revision(asks)), List.of()))
        .isTrue();
  }

  @Test
  void revisionFollowsTheTemplateAndLabelsMembersAndCreatedClaimsAlike() {
    SandboxSet v1 = set("ns", "code", "img:v1");
    SandboxSet v1Again = set("ns", "code", "img:v1");
    SandboxSet v2 = set("ns", "code", "img:v2");
    assertThat(PoolMembers.revision(v1)).isEqualTo(PoolMembers.revision(v1Again)).hasSize(10);
    assertThat(PoolMembers.revision(v2)).isNotEqualTo(PoolMembers.revision(v1));

    Sandbox created =
        PoolMembers.newClaimed(
            v1, PoolMembers.revision(v1), ClaimRequest.forOwner("key-1"), "lock", Instant.now());
    assertThat(created.getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_TEMPLATE_HASH, PoolMembers.revision(v1));
  }

  @Test
  void membersAndCreatedClaimsNameTheirPoolAndOthersNone() {
    SandboxSet code = set("ns", "code", "img:v1");
    assertThat(PoolMembers.poolName(PoolMembers.newMember(code, "r1"))).isEqualTo("code");
    assertThat(
            PoolMembers.poolName(
                PoolMembers.newClaimed(
                    code, "r1", ClaimRequest.forOwner("key-1"), "lock", Instant.now())))
        .isEqualTo("code");
    Sandbox unlabelled = new Sandbox();
    unlabelled.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    assertThat(PoolMembers.poolName(unlabelled)).isNull();
  }
}
