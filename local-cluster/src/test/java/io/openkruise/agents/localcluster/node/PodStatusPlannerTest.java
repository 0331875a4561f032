package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class PodStatusPlannerTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00.750Z");
  private static final Instant T1 = Instant.parse("2026-11-23T10:00:05Z");

  /** Most tests' pod: one container, image img:1, no probes, started at T0. */
  private final Pod pod = pod("img:1", false);

  private final PodRun run = started(pod);

  @Test
  void podWithoutProbesIsRunningAndReadyAtOnce() {

    PodStatus s = PodStatusPlanner.running(pod, run, T0);

    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(s.getPodIP()).isEqualTo("127.1.0.2");
    assertThat(s.getPodIPs()).extracting("ip").containsExactly("127.1.0.2");
    assertThat(s.getHostIP()).isEqualTo("127.0.0.1");
    assertThat(s.getStartTime()).isEqualTo("2026-11-23T10:00:00Z");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(s, "ContainersReady").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Initialized").getStatus()).isEqualTo("True");
    assertThat(condition(s, "PodScheduled").getStatus()).isEqualTo("True");
    ContainerStatus cs = s.getContainerStatuses().get(0);
    assertThat(cs.getImage()).isEqualTo("img:1");
    assertThat(cs.getImageID()).startsWith("local://img:1@sha256:");
    assertThat(cs.getReady()).isTrue();
    assertThat(cs.getStarted()).isTrue();
    assertThat(cs.getRestartCount()).isZero();
    assertThat(cs.getState().getRunning().getStartedAt()).isEqualTo("2026-11-23T10:00:00Z");
  }

  @Test
  void failingProbesKeepThePodUnready() {
    Pod probed = pod("img:1", true);
    PodRun probedRun = started(probed);
    assertThat(probedRun.containersReady()).isFalse();

    PodStatus s =
        PodStatusPlanner.running(
            probed, probedRun.withProbe("main", new ProbeState(false, false, "refused")), T0);

    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("ContainersNotReady");
    assertThat(condition(s, "ContainersReady").getMessage()).contains("main");
    assertThat(s.getContainerStatuses().get(0).getStarted()).isFalse();

    PodStatus passed =
        PodStatusPlanner.running(probed, probedRun.withProbe("main", ProbeState.PASSING), T0);
    assertThat(condition(passed, "Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void readinessGatesHoldReadyButNotContainersReady() {
    Pod gated =
        new PodBuilder(pod).editSpec().addNewReadinessGate("example.com/gate").endSpec().build();
    PodRun gatedRun = started(gated);

    PodStatus s = PodStatusPlanner.running(gated, gatedRun, T0);
    assertThat(condition(s, "ContainersReady").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("ReadinessGatesNotReady");

    gated.setStatus(s);
    gated
        .getStatus()
        .getConditions()
        .add(new PodConditionBuilder().withType("example.com/gate").withStatus("True").build());
    assertThat(condition(PodStatusPlanner.running(gated, gatedRun, T1), "Ready").getStatus())
        .isEqualTo("True");
  }

  @Test
  void transitionTimesOnlyMoveWhenTheStatusChanges() {
    pod.setStatus(PodStatusPlanner.running(pod, run, T0));

    PodStatus later = PodStatusPlanner.running(pod, run, T1);
    assertThat(condition(later, "Ready").getLastTransitionTime()).isEqualTo("2026-11-23T10:00:00Z");

    PodStatus unready =
        PodStatusPlanner.running(pod, run.withProbe("main", new ProbeState(true, false, "x")), T1);
    assertThat(condition(unready, "Ready").getLastTransitionTime())
        .isEqualTo("2026-11-23T10:00:05Z");
  }

  @Test
  void imageChangeRestartsThatContainerWithANewImageIdAndStaysReady() {
    String oldId =
        PodStatusPlanner.running(pod, run, T0).getContainerStatuses().get(0).getImageID();

    Pod updated =
        new PodBuilder(pod)
            .editSpec()
            .editFirstContainer()
            .withImage("img:2")
            .endContainer()
            .endSpec()
            .build();
    PodRun after = run.followImages(updated, T1);
    assertThat(after.followImages(updated, T1)).isSameAs(after);

    ContainerStatus cs = PodStatusPlanner.running(updated, after, T1).getContainerStatuses().get(0);
    assertThat(cs.getImage()).isEqualTo("img:2");
    assertThat(cs.getImageID()).isNotEqualTo(oldId).startsWith("local://img:2@");
    assertThat(cs.getRestartCount()).isEqualTo(1);
    assertThat(cs.getReady()).isTrue();
    assertThat(cs.getState().getRunning().getStartedAt()).isEqualTo("2026-11-23T10:00:05Z");
    assertThat(cs.getLastState().getTerminated().getFinishedAt()).isEqualTo("2026-11-23T10:00:05Z");
    assertThat(cs.getContainerID()).endsWith("/main/1");
  }

  @Test
  void terminatedStatusStopsEveryContainer() {
    PodStatus s = PodStatusPlanner.terminated(pod, run, T1);
    assertThat(s.getPhase()).isEqualTo("Succeeded");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(s.getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isZero();
  }

  @Test
  void killedPodFailsWithExitCode137AndKeepsItsAddress() {
    PodStatus s = PodStatusPlanner.killed(pod, run, T1);
    assertThat(s.getPhase()).isEqualTo("Failed");
    assertThat(s.getPodIP()).isEqualTo("127.1.0.2");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("PodFailed");
    var terminated = s.getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(137);
    assertThat(terminated.getReason()).isEqualTo("Error");
  }

  @Test
  void patchNullsStaleFieldsAndCoversDetectsNoOps() {
    PodStatus desired = PodStatusPlanner.running(pod, run, T0);
    ObjectNode patch = StatusPatch.patch(desired);

    ObjectNode state = (ObjectNode) patch.at("/status/containerStatuses/0/state");
    assertThat(state.get("terminated").isNull()).isTrue();
    assertThat(state.get("waiting").isNull()).isTrue();
    assertThat(patch.at("/status/conditions/0/message").isNull()).isTrue();

    assertThat(StatusPatch.covers(null, patch)).isFalse();
    assertThat(StatusPatch.covers(desired, patch)).isTrue();

    // What the API server sends back: its own condition order plus fields owned by others.
    PodStatus server = PodStatusPlanner.running(pod, run, T0);
    server
        .getConditions()
        .add(0, new PodConditionBuilder().withType("Other").withStatus("True").build());
    server.setQosClass("BestEffort");
    assertThat(StatusPatch.covers(server, patch)).isTrue();

    server
        .getContainerStatuses()
        .get(0)
        .getState()
        .setTerminated(new io.fabric8.kubernetes.api.model.ContainerStateTerminated());
    assertThat(StatusPatch.covers(server, patch)).isFalse();
  }

  /** {@code pod} started at T0 on pod address 127.1.0.2 of host 127.0.0.1. */
  private static PodRun started(Pod pod) {
    return PodRun.start(pod, "127.1.0.2", "127.0.0.1", T0);
  }

  private static PodCondition condition(PodStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static Pod pod(String image, boolean probes) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("ns")
            .withUid("uid-1")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("main")
            .withImage(image)
            .endContainer()
            .endSpec();
    Pod pod = b.build();
    if (probes) {
      pod.getSpec()
          .getContainers()
          .get(0)
          .setStartupProbe(
              new io.fabric8.kubernetes.api.model.ProbeBuilder()
                  .withNewHttpGet()
                  .withPath("/health")
                  .withPort(new IntOrString(49999))
                  .endHttpGet()
                  .build());
    }
    pod.getSpec().setInitContainers(List.of());
    return pod;
  }
}
