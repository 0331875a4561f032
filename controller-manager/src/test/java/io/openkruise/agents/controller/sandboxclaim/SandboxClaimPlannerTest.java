package io.openkruise.agents.controller.sandboxclaim;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimSpec;
import io.openkruise.agents.api.v1alpha1.SandboxClaimStatus;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxClaimPlannerTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  static SandboxClaim claim(int replicas) {
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName("batch");
    claim.getMetadata().setNamespace("ns");
    claim.getMetadata().setUid("claim-uid");
    claim.getMetadata().setGeneration(1L);
    SandboxClaimSpec spec = new SandboxClaimSpec();
    spec.setTemplateName("code");
    spec.setReplicas(replicas);
    claim.setSpec(spec);
    return claim;
  }

  static SandboxClaim claiming(SandboxClaim claim, String startedAt, int claimed) {
    SandboxClaimStatus status = new SandboxClaimStatus();
    status.setPhase("Claiming");
    status.setClaimStartTime(startedAt);
    status.setClaimedReplicas(claimed);
    claim.setStatus(status);
    return claim;
  }

  static Sandbox owned(int i, boolean ready, String claimedAt) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName("code-" + i);
    s.getMetadata().setNamespace("ns");
    s.getMetadata().setAnnotations(new HashMap<>());
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_OWNER, "claim-uid");
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP, claimedAt);
    s.setStatus(Pools.status(ready, null));
    return s;
  }

  static List<Sandbox> ready(int n) {
    return IntStream.range(0, n).mapToObj(i -> owned(i, true, "2026-11-23T11:59:50Z")).toList();
  }

  @Test
  void newClaimStartsClaimingEverything() {
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim(3), true, false, List.of(), NOW);
    assertThat(plan.status().getPhase()).isEqualTo("Claiming");
    assertThat(plan.status().getClaimStartTime()).isEqualTo("2026-11-23T12:00:00Z");
    assertThat(plan.status().getClaimedReplicas()).isZero();
    assertThat(plan.toClaim()).isEqualTo(3);
    assertThat(plan.requeueAfter()).contains(Duration.ofMinutes(1));
  }

  @Test
  void batchesAreCappedAtFifty() {
    assertThat(SandboxClaimPlanner.plan(claim(120), true, false, List.of(), NOW).toClaim())
        .isEqualTo(50);
  }

  @Test
  void missingSandboxSetCompletesWithACondition() {
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim(1), false, false, List.of(), NOW);
    assertThat(plan.status().getPhase()).isEqualTo("Completed");
    assertThat(plan.status().getCompletionTime()).isEqualTo("2026-11-23T12:00:00Z");
    assertThat(plan.status().getConditions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("Completed");
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("SandboxSetNotFound");
              assertThat(c.getMessage()).contains("code").contains("ns");
            });
    assertThat(plan.toClaim()).isZero();
    assertThat(plan.events()).extracting("type").contains("Warning");
  }

  @Test
  void allReadyCompletesWithAllReplicasClaimed() {
    SandboxClaim claim = claiming(claim(3), "2026-11-23T11:59:40Z", 1);
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, false, ready(3), NOW);
    assertThat(plan.status().getPhase()).isEqualTo("Completed");
    assertThat(plan.status().getClaimedReplicas()).isEqualTo(3);
    assertThat(plan.status().getConditions())
        .extracting("reason")
        .containsExactly("AllReplicasClaimed");
  }

  @Test
  void partialProgressClaimsTheRest() {
    SandboxClaim claim = claiming(claim(3), "2026-11-23T11:59:40Z", 0);
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, false, ready(1), NOW);
    assertThat(plan.status().getClaimedReplicas()).isEqualTo(1);
    assertThat(plan.status().getMessage()).isEqualTo("claimed 1/3 sandboxes");
    assertThat(plan.toClaim()).isEqualTo(2);
  }

  @Test
  void deliveredCountSurvivesAUserDeletingASandbox() {
    SandboxClaim claim = claiming(claim(3), "2026-11-23T11:59:40Z", 2);
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, false, ready(1), NOW);
    assertThat(plan.status().getClaimedReplicas()).isEqualTo(2);
    assertThat(plan.toClaim()).isEqualTo(1);
  }

  @Test
  void claimTimeoutCompletesWithTimedOut() {
    SandboxClaim claim = claiming(claim(3), "2026-11-23T11:58:00Z", 1);
    claim.getSpec().setClaimTimeout("90s");
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, false, ready(1), NOW);
    assertThat(plan.status().getPhase()).isEqualTo("Completed");
    assertThat(plan.status().getConditions())
        .extracting("type", "reason")
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("TimedOut", "ClaimTimeoutReached"),
            org.assertj.core.groups.Tuple.tuple("Completed", "TimeoutReached"));
    assertThat(plan.status().getMessage())
        .isEqualTo("Timeout reached after PT1M30S, claimed 1/3 sandboxes");
  }

  @Test
  void notReadyWithinWaitReadyTimeoutFailsAndFreesTheSlot() {
    SandboxClaim claim = claiming(claim(2), "2026-11-23T11:59:20Z", 0);
    claim.getSpec().setWaitReadyTimeout("20s");
    Sandbox late = owned(0, false, "2026-11-23T11:59:30Z");
    Sandbox fresh = owned(1, false, "2026-11-23T11:59:55Z");
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, false, List.of(late, fresh), NOW);
    assertThat(plan.failed()).containsExactly(late);
    assertThat(plan.toClaim()).as("one pending, one slot freed").isEqualTo(1);
    assertThat(plan.requeueAfter())
        .as("wakes at the pending one's deadline")
        .contains(Duration.ofSeconds(15));
  }

  @Test
  void reservedFailuresNeverCount() {
    SandboxClaim claim = claiming(claim(1), "2026-11-23T11:59:20Z", 0);
    Sandbox reserved = owned(0, true, "2026-11-23T11:59:30Z");
    reserved.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_CLAIM_FAILED, "x");
    assertThat(SandboxClaimPlanner.plan(claim, true, false, List.of(reserved), NOW).toClaim())
        .isEqualTo(1);
  }

  @Test
  void readySandboxesOfAnInitTemplateAreInitializedOnce() {
    SandboxClaim claim = claiming(claim(2), "2026-11-23T11:59:00Z", 0);
    List<Sandbox> owned = new ArrayList<>(ready(2));
    owned
        .get(1)
        .getMetadata()
        .getAnnotations()
        .put(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");
    SandboxClaimPlan plan = SandboxClaimPlanner.plan(claim, true, true, owned, NOW);
    assertThat(plan.toInitialize()).containsExactly(owned.get(0));
    assertThat(SandboxClaimPlanner.plan(claim, true, false, owned, NOW).toInitialize()).isEmpty();
  }

  @Test
  void completedClaimIsDeletedAfterItsTtl() {
    SandboxClaim claim = claim(1);
    claim.setStatus(new SandboxClaimStatus());
    claim.getStatus().setPhase("Completed");
    claim.getStatus().setCompletionTime("2026-11-23T11:59:00Z");
    SandboxClaimPlan waiting = SandboxClaimPlanner.plan(claim, true, false, List.of(), NOW);
    assertThat(waiting.deleteClaim()).isFalse();
    assertThat(waiting.requeueAfter()).contains(Duration.ofMinutes(4));

    claim.getSpec().setTtlAfterCompleted("30s");
    assertThat(SandboxClaimPlanner.plan(claim, true, false, List.of(), NOW).deleteClaim()).isTrue();

    claim.getSpec().setTtlAfterCompleted("-1s");
    SandboxClaimPlan never = SandboxClaimPlanner.plan(claim, true, false, List.of(), NOW);
    assertThat(never.deleteClaim()).isFalse();
    assertThat(never.requeueAfter()).isEmpty();
  }
}
