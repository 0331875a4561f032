package io.openkruise.agents.controller.sandboxset;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.claim.TemplateHash;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.api.v1alpha1.ScaleStrategy;
import io.openkruise.agents.testing.Pools;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxSetPlannerTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  static SandboxSet set(int replicas, String image) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("code");
    set.getMetadata().setNamespace("ns");
    set.getMetadata().setUid("set-uid");
    set.getMetadata().setGeneration(2L);
    set.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true"));
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setReplicas(replicas);
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .addToLabels("app", "code")
            .addToLabels("agents.kruise.io/sandbox-claimed", "true")
            .endMetadata()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("main").withImage(image).build())
            .endSpec()
            .build());
    set.setSpec(spec);
    return set;
  }

  /** A member as the set made it, Ready or not, on the set's current or an older revision. */
  static Sandbox member(SandboxSet set, int i, boolean ready, boolean currentRevision) {
    Sandbox s = PoolMembers.newMember(set, "x");
    s.getMetadata().setName("code-" + i);
    s.getMetadata().setCreationTimestamp(String.format("2026-11-23T11:00:%02dZ", i));
    s.getMetadata()
        .getLabels()
        .put(
            MetadataKeys.LABEL_TEMPLATE_HASH,
            currentRevision ? TemplateHash.of(set.getSpec().getTemplate()) : "old");
    s.setStatus(Pools.status(ready, "127.1.0." + i));
    return s;
  }

  /** Members 0-2 Ready, 3-4 not yet. */
  /** The plan for a set of {@code replicas} over five current members: three Ready, two not. */
  static SandboxSetPlan planOverThreeReadyThenTwoNot(int replicas) {
    SandboxSet set = set(replicas, "img:1");
    List<Sandbox> members = new ArrayList<>(members(set, 0, 3, true, true));
    members.addAll(members(set, 3, 2, false, true));
    return SandboxSetPlanner.plan(set, members, NOW);
  }

  static List<Sandbox> members(
      SandboxSet set, int from, int count, boolean ready, boolean current) {
    return IntStream.range(from, from + count)
        .mapToObj(i -> member(set, i, ready, current))
        .toList();
  }

  @Test
  void emptyPoolCreatesMembersWithPoolLabelsAndOwner() {
    SandboxSet set = set(3, "img:1");
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, List.of(), NOW);

    assertThat(plan.create()).hasSize(3);
    Sandbox first = plan.create().get(0);
    assertThat(first.getMetadata().getGenerateName()).isEqualTo("code-");
    assertThat(first.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(first.getMetadata().getLabels())
        .containsEntry("agents.kruise.io/sandbox-pool", "code")
        .containsEntry("agents.kruise.io/sandbox-template", "code")
        .containsEntry("agents.kruise.io/sandbox-claimed", "false")
        .containsEntry("agents.kruise.io/template-hash", plan.status().getUpdateRevision())
        .containsEntry("app", "code");
    assertThat(first.getMetadata().getAnnotations())
        .containsEntry(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true");
    assertThat(first.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getKind()).isEqualTo("SandboxSet");
              assertThat(r.getUid()).isEqualTo("set-uid");
              assertThat(r.getController()).isTrue();
            });
    assertThat(plan.status().getReplicas()).isZero();
    assertThat(plan.status().getObservedGeneration()).isEqualTo(2L);
    assertThat(plan.status().getSelector())
        .isEqualTo("agents.kruise.io/sandbox-claimed=false,agents.kruise.io/sandbox-pool=code");
  }

  @Test
  void statusCountsCreatingAndAvailable() {
    SandboxSetPlan plan = planOverThreeReadyThenTwoNot(5);
    assertThat(plan.create()).isEmpty();
    assertThat(plan.scaleDown()).isEmpty();
    assertThat(plan.status().getReplicas()).isEqualTo(5);
    assertThat(plan.status().getAvailableReplicas()).isEqualTo(3);
  }

  @Test
  void scaleDownTakesNotReadyMembersFirst() {
    SandboxSetPlan plan = planOverThreeReadyThenTwoNot(3);
    assertThat(plan.create()).isEmpty();
    assertThat(plan.scaleDown())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("code-3", "code-4");
  }

  @Test
  void maxUnavailableCapsConcurrentCreation() {
    SandboxSet set = set(5, "img:1");
    set.getSpec().setScaleStrategy(new ScaleStrategy());
    set.getSpec().getScaleStrategy().setMaxUnavailable(new IntOrString(1));
    assertThat(SandboxSetPlanner.plan(set, List.of(), NOW).create()).hasSize(1);
    assertThat(SandboxSetPlanner.plan(set, members(set, 0, 1, false, true), NOW).create())
        .isEmpty();

    set.getSpec().getScaleStrategy().setMaxUnavailable(new IntOrString("40%"));
    assertThat(SandboxSetPlanner.plan(set, List.of(), NOW).create()).hasSize(2);

    set.getSpec().getScaleStrategy().setMaxUnavailable(new IntOrString(0));
    assertThat(SandboxSetPlanner.plan(set, List.of(), NOW).create()).isEmpty();

    set.getSpec().getScaleStrategy().setMaxUnavailable(new IntOrString("lots"));
    SandboxSetPlan invalid = SandboxSetPlanner.plan(set, List.of(), NOW);
    assertThat(invalid.create()).hasSize(5);
    assertThat(invalid.events()).extracting("reason").containsExactly("InvalidMaxUnavailable");
  }

  @Test
  void deadMembersAreDeletedAndReplaced() {
    SandboxSet set = set(2, "img:1");
    List<Sandbox> members = new ArrayList<>(members(set, 0, 2, true, true));
    members.get(1).getStatus().setPhase(SandboxPhase.FAILED);
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members, NOW);
    assertThat(plan.deleteDead())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("code-1");
    assertThat(plan.create()).hasSize(1);
  }

  @Test
  void membersOnANodeThatStoppedReportingAreReplacedAtOnce() {
    SandboxSet set = set(3, "img:1");
    List<Sandbox> members = new ArrayList<>(members(set, 0, 3, true, true));
    var ready = members.get(2).getStatus().getConditions().get(0);
    ready.setStatus("False");
    ready.setReason("NodeNotReady");
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members, NOW);
    assertThat(plan.deleteDead())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("code-2");
    assertThat(plan.create()).hasSize(1);
    assertThat(plan.status().getAvailableReplicas()).isEqualTo(2);

    // Merely unready (a probe failing) stays a member: it is creating, not lost.
    ready.setReason("PodReady");
    SandboxSetPlan unready = SandboxSetPlanner.plan(set, members, NOW);
    assertThat(unready.deleteDead()).isEmpty();
    assertThat(unready.create()).isEmpty();
  }

  @Test
  void lockedMembersAreAlreadyLeaving() {
    SandboxSet set = set(2, "img:1");
    List<Sandbox> members = new ArrayList<>(members(set, 0, 2, true, true));
    members.get(0).getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_LOCK, "x");
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members, NOW);
    assertThat(plan.create()).hasSize(1);
    assertThat(plan.status().getReplicas()).isEqualTo(1);
  }

  @Test
  void templateChangeRollsTheUnusedPoolAFewAtATime() {
    SandboxSet set = set(4, "img:2");
    List<Sandbox> members = members(set, 0, 4, true, false);
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members, NOW);
    assertThat(plan.scaleDown())
        .extracting(s -> s.getMetadata().getName())
        .containsExactly("code-0");
    assertThat(plan.create()).hasSize(1);

    List<Sandbox> midway = new ArrayList<>(members.subList(1, 4));
    midway.add(member(set, 9, false, true));
    SandboxSetPlan next = SandboxSetPlanner.plan(set, midway, NOW);
    assertThat(next.scaleDown()).as("waits while a replacement is still creating").isEmpty();
    assertThat(next.create()).isEmpty();
  }

  @Test
  void outdatedCreatingMembersAreReplacedAtOnce() {
    SandboxSet set = set(1, "img:2");
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members(set, 0, 1, false, false), NOW);
    assertThat(plan.scaleDown()).hasSize(1);
    assertThat(plan.create()).hasSize(1);
  }
}
