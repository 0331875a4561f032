package io.openkruise.agents.controller.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.TemplateHash;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.controller.sandbox.SandboxPlan.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxPlannerTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  static Sandbox sandbox(String image) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName("sbx-1");
    s.getMetadata().setNamespace("ns");
    s.getMetadata().setUid("uid-1");
    s.getMetadata().setGeneration(1L);
    s.getMetadata().setAnnotations(new HashMap<>());
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .addToLabels("app", "x")
            .endMetadata()
            .withNewSpec()
            .withContainers(
                new ContainerBuilder().withName("main").withImage(image).build(),
                new ContainerBuilder().withName("side").withImage("side:1").build())
            .endSpec()
            .build());
    s.setSpec(spec);
    s.getMetadata()
        .getAnnotations()
        .put(
            MetadataKeys.ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES,
            TemplateHash.withoutImageAndResources(spec.getTemplate()));
    return s;
  }

  static Pod podFor(Sandbox s, boolean ready) {
    Pod pod = SandboxPods.pod(s, TemplateHash.of(s.getSpec().getTemplate()));
    pod.getMetadata().setUid("pod-uid");
    pod.getSpec().setNodeName("node-0");
    pod.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Running")
            .withPodIP("127.1.0.5")
            .withConditions(
                new PodConditionBuilder()
                    .withType("Ready")
                    .withStatus(ready ? "True" : "False")
                    .withLastTransitionTime("2026-11-23T11:59:00Z")
                    .build())
            .withContainerStatuses(
                new ContainerStatusBuilder().withName("main").withImageID("id-main-1").build(),
                new ContainerStatusBuilder().withName("side").withImageID("id-side-1").build())
            .build());
    return pod;
  }

  private static Sandbox withPhase(Sandbox s, SandboxPlan plan) {
    s.setStatus(plan.status());
    return s;
  }

  /** {@code s} with the status planned for it with {@code pod} (e.g. Running once it is Ready). */
  private static Sandbox statusPlannedWith(Sandbox s, Pod pod) {
    return withPhase(s, SandboxPlanner.plan(s, Optional.of(pod), NOW));
  }

  @Test
  void freshSandboxPersistsPendingAndCreatesItsPod() {
    Sandbox s = sandbox("img:1");
    s.getMetadata().getAnnotations().clear();
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.empty(), NOW);

    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.PENDING);
    assertThat(plan.status().getObservedGeneration()).isEqualTo(1L);
    assertThat(plan.status().getUpdateRevision()).hasSize(10);
    assertThat(plan.actions()).hasAtLeastOneElementOfType(Action.RecordGuardHash.class);
    Action.CreatePod create =
        plan.actions().stream()
            .filter(Action.CreatePod.class::isInstance)
            .map(Action.CreatePod.class::cast)
            .findFirst()
            .orElseThrow();
    Pod pod = create.pod();
    assertThat(pod.getMetadata().getName()).isEqualTo("sbx-1");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("app", "x")
        .containsEntry("pod-template-hash", plan.status().getUpdateRevision())
        .containsEntry("agents.kruise.io/created-by", "sandbox");
    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getController()).isTrue());
    assertThat(plan.events()).extracting("reason").contains("PodCreated");
  }

  @Test
  void runningReadyPodMakesTheSandboxRunning() {
    Sandbox s = sandbox("img:1");
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.of(podFor(s, true)), NOW);

    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.RUNNING);
    assertThat(plan.status().getSandboxIp()).isEqualTo("127.1.0.5");
    assertThat(plan.status().getNodeName()).isEqualTo("node-0");
    assertThat(plan.status().getPodInfo().getPodUID()).isEqualTo("pod-uid");
    assertThat(plan.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("PodReady");
              assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-23T11:59:00Z");
            });
    assertThat(plan.events()).extracting("reason").containsExactly("Running");
    assertThat(SandboxPlanner.plan(withPhase(s, plan), Optional.of(podFor(s, true)), NOW).status())
        .as("stable once applied")
        .isEqualTo(plan.status());
  }

  @Test
  void imagePullFailureIsReportedInReadyAndMessage() {
    Sandbox s = sandbox("img:1");
    Pod pod = podFor(s, false);
    pod.getStatus().setPhase("Pending");
    pod.getStatus()
        .getContainerStatuses()
        .get(0)
        .setState(
            new io.fabric8.kubernetes.api.model.ContainerStateBuilder()
                .withNewWaiting()
                .withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image \"img:1\"")
                .endWaiting()
                .build());
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.of(pod), NOW);

    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.PENDING);
    assertThat(plan.status().getMessage()).startsWith("main: ImagePullBackOff");
    assertThat(plan.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("StartContainerFailed"));
  }

  @Test
  void shutdownTimeDeletesInAnyPhaseIncludingFailed() {
    Sandbox s = sandbox("img:1");
    s.getSpec().setShutdownTime("2026-11-23T11:59:59Z");
    s.setStatus(new io.openkruise.agents.api.v1alpha1.SandboxStatus());
    s.getStatus().setPhase(SandboxPhase.FAILED);
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.empty(), NOW);
    assertThat(plan.actions()).containsExactly(new Action.DeleteSandbox());
    assertThat(plan.status()).isNull();
  }

  @Test
  void pauseTimeSetsPausedAndRequeueIsTheNextDeadline() {
    Sandbox s = sandbox("img:1");
    s.getSpec().setPauseTime("2026-11-23T11:00:00Z");
    assertThat(SandboxPlanner.plan(s, Optional.empty(), NOW).actions())
        .containsExactly(new Action.SetPaused());

    s.getSpec().setPauseTime("2026-11-23T12:01:00Z");
    s.getSpec().setShutdownTime("2026-11-23T12:05:00Z");
    assertThat(SandboxPlanner.plan(s, Optional.of(podFor(s, true)), NOW).requeueAfter())
        .contains(Duration.ofMinutes(1));
    s.getSpec().setPaused(true);
    assertThat(SandboxPlanner.plan(s, Optional.empty(), NOW).requeueAfter())
        .as("a paused sandbox waits only for its shutdown")
        .contains(Duration.ofMinutes(5));
  }

  @Test
  void pauseDeletesThePodThenResumeRecreatesIt() {
    Sandbox s = sandbox("img:1");
    Pod pod = podFor(s, true);
    s = statusPlannedWith(s, pod);
    assertThat(s.getStatus().getPhase()).isEqualTo(SandboxPhase.RUNNING);

    s.getSpec().setPaused(true);
    SandboxPlan pausing = SandboxPlanner.plan(s, Optional.of(pod), NOW);
    assertThat(pausing.status().getPhase()).isEqualTo(SandboxPhase.PAUSED);
    assertThat(pausing.actions()).contains(new Action.DeletePod(5));
    assertThat(pausing.status().condition(ConditionTypes.SANDBOX_PAUSED))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    assertThat(pausing.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    s = withPhase(s, pausing);

    SandboxPlan paused = SandboxPlanner.plan(s, Optional.empty(), NOW);
    assertThat(paused.status().condition(ConditionTypes.SANDBOX_PAUSED))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(paused.actions()).noneMatch(Action.CreatePod.class::isInstance);
    s = withPhase(s, paused);

    s.getSpec().setPaused(false);
    SandboxPlan resuming = SandboxPlanner.plan(s, Optional.empty(), NOW);
    assertThat(resuming.status().getPhase()).isEqualTo(SandboxPhase.RESUMING);
    assertThat(resuming.actions()).hasAtLeastOneElementOfType(Action.CreatePod.class);
    assertThat(resuming.status().condition(ConditionTypes.SANDBOX_PAUSED)).isEmpty();
    s = withPhase(s, resuming);

    Pod fresh = podFor(s, true);
    SandboxPlan resumed = SandboxPlanner.plan(s, Optional.of(fresh), NOW);
    assertThat(resumed.status().getPhase()).isEqualTo(SandboxPhase.RUNNING);
    assertThat(resumed.status().condition(ConditionTypes.SANDBOX_RESUMED))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
  }

  @Test
  void podWhoseContainerWasKilledFailsTheSandboxAndSaysWhy() {
    Sandbox s = sandbox("img:1");
    Sandbox running = statusPlannedWith(s, podFor(s, true));
    Pod failed = podFor(s, false);
    failed.getStatus().setPhase("Failed");
    failed
        .getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName("main")
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(137)
                    .withReason("Error")
                    .endTerminated()
                    .endState()
                    .build(),
                new ContainerStatusBuilder()
                    .withName("side")
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(0)
                    .endTerminated()
                    .endState()
                    .build()));

    SandboxPlan plan = SandboxPlanner.plan(running, Optional.of(failed), NOW);

    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.FAILED);
    assertThat(plan.status().getMessage())
        .isEqualTo("Pod status phase is Failed: container main exited with exit code 137 (Error)");
    assertThat(plan.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    assertThat(plan.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo("Warning");
              assertThat(e.message()).contains("exit code 137");
            });
  }

  @Test
  void evictedPodNamesTheEviction() {
    Sandbox s = sandbox("img:1");
    Pod evicted = podFor(s, false);
    evicted.getStatus().setPhase("Failed");
    evicted.getStatus().setReason("Evicted");
    evicted.getStatus().setMessage("The node was low on resource: memory.");
    evicted.getStatus().setContainerStatuses(List.of());

    assertThat(SandboxPlanner.terminationDetail(evicted))
        .isEqualTo(": Evicted (The node was low on resource: memory.)");
  }

  /** A pod the node lifecycle controller marked: Ready False, ContainersReady still True. */
  private static Pod markedByNodeLifecycle(Sandbox s) {
    Pod pod = podFor(s, false);
    pod.getStatus()
        .getConditions()
        .add(new PodConditionBuilder().withType("ContainersReady").withStatus("True").build());
    return pod;
  }

  @Test
  void readySandboxWhoseNodeStoppedReportingSaysSoOnceAndStaysRunning() {
    Sandbox s = sandbox("img:1");
    Sandbox running = statusPlannedWith(s, podFor(s, true));

    SandboxPlan plan = SandboxPlanner.plan(running, Optional.of(markedByNodeLifecycle(s)), NOW);

    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.RUNNING);
    assertThat(plan.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("NodeNotReady");
              assertThat(c.getMessage()).contains("node-0");
            });
    assertThat(plan.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo("Warning");
              assertThat(e.reason()).isEqualTo("NodeNotReady");
            });
    SandboxPlan again =
        SandboxPlanner.plan(withPhase(s, plan), Optional.of(markedByNodeLifecycle(s)), NOW);
    assertThat(again.events()).as("reported once").isEmpty();
    assertThat(again.status()).isEqualTo(plan.status());
    // The node is back and the kubelet reports the pod Ready: the sandbox runs again.
    SandboxPlan back = SandboxPlanner.plan(withPhase(s, again), Optional.of(podFor(s, true)), NOW);
    assertThat(back.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("PodReady"));
  }

  @Test
  void aPodThatWasNeverReadyIsNotTakenForALostNode() {
    Sandbox s = sandbox("img:1");
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.of(markedByNodeLifecycle(s)), NOW);
    assertThat(plan.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("PodReady"));
    assertThat(plan.events()).extracting("reason").doesNotContain("NodeNotReady");
  }

  @Test
  void podDisappearingUnderARunningSandboxFailsIt() {
    Sandbox s = sandbox("img:1");
    s = statusPlannedWith(s, podFor(s, true));
    SandboxPlan plan = SandboxPlanner.plan(s, Optional.empty(), NOW);
    assertThat(plan.status().getPhase()).isEqualTo(SandboxPhase.FAILED);
    assertThat(plan.status().getMessage()).isEqualTo("Pod Not Found");
    assertThat(plan.events()).extracting("type").containsExactly("Warning");
  }

  @Test
  void imageChangeIsPatchedInPlaceAndTrackedUntilNewImageIdsRun() {
    Sandbox s = sandbox("img:1");
    Pod pod = podFor(s, true);
    s = statusPlannedWith(s, pod);

    s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2");
    SandboxPlan update = SandboxPlanner.plan(s, Optional.of(pod), NOW);
    Action.PatchPodImages patch =
        update.actions().stream()
            .filter(Action.PatchPodImages.class::isInstance)
            .map(Action.PatchPodImages.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(patch.images()).containsOnly(java.util.Map.entry("main", "img:2"));
    assertThat(patch.revision()).isEqualTo(update.status().getUpdateRevision());
    assertThat(update.status().condition(ConditionTypes.INPLACE_UPDATE))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("InplaceUpdating"));
    assertThat(update.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    s = withPhase(s, update);

    // The node applied the patch but the container still runs the old image.
    pod.getMetadata().getLabels().put("pod-template-hash", patch.revision());
    pod.getMetadata()
        .getAnnotations()
        .put("agents.kruise.io/inplace-update-state", patch.updateState());
    pod.getSpec().getContainers().get(0).setImage("img:2");
    SandboxPlan waiting = SandboxPlanner.plan(s, Optional.of(pod), NOW);
    assertThat(waiting.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
    assertThat(waiting.actions()).noneMatch(Action.PatchPodImages.class::isInstance);

    pod.getStatus().getContainerStatuses().get(0).setImageID("id-main-2");
    SandboxPlan done = SandboxPlanner.plan(withPhase(s, waiting), Optional.of(pod), NOW);
    assertThat(done.status().condition(ConditionTypes.INPLACE_UPDATE))
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("Succeeded");
            });
    assertThat(done.status().condition(ConditionTypes.READY))
        .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    assertThat(done.events()).extracting("reason").contains("InplaceUpdateSucceeded");
  }

  @Test
  void changesBeyondImagesAreNotAppliedInPlace() {
    Sandbox s = sandbox("img:1");
    Pod pod = podFor(s, true);
    s = statusPlannedWith(s, pod);
    s.getSpec().getTemplate().getSpec().getContainers().get(0).setCommand(List.of("sleep", "1"));

    SandboxPlan plan = SandboxPlanner.plan(s, Optional.of(pod), NOW);
    assertThat(plan.actions()).noneMatch(Action.PatchPodImages.class::isInstance);
    assertThat(plan.status().condition(ConditionTypes.INPLACE_UPDATE))
        .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("Failed"));
    assertThat(plan.events()).extracting("reason").containsExactly("InplaceUpdateForbidden");
    assertThat(SandboxPlanner.plan(withPhase(s, plan), Optional.of(pod), NOW).events())
        .as("the warning is not repeated every reconcile")
        .isEmpty();
  }
}
