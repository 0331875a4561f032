package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class PodStepTest {
  private static final List<String> OURS = List.of("local-node-0");

  @Test
  void unboundPodsOfTheDefaultSchedulerAreScheduledOthersLeftAlone() {
    assertThat(PodStep.of(pod(null, null, null, null), false, OURS)).isEqualTo(PodStep.SCHEDULE);
    assertThat(PodStep.of(pod(null, "volcano", null, null), false, OURS))
        .isEqualTo(PodStep.NOTHING);
  }

  @Test
  void podsOnAnotherNodeAreNotOurs() {
    assertThat(PodStep.of(pod("elsewhere", null, null, null), true, OURS))
        .isEqualTo(PodStep.NOTHING);
  }

  @Test
  void aDeletedPodOnOurNodeIsTerminatedWhetherItRunsOrNot() {
    String deleted = "2026-11-23T10:00:00Z";
    assertThat(PodStep.of(pod("local-node-0", null, deleted, null), true, OURS))
        .isEqualTo(PodStep.TERMINATE);
    assertThat(PodStep.of(pod("local-node-0", null, deleted, "Succeeded"), false, OURS))
        .isEqualTo(PodStep.TERMINATE);
  }

  @Test
  void aFinishedPodIsNotStartedAgainButARunningOneKeepsRunning() {
    assertThat(PodStep.of(pod("local-node-0", null, null, "Failed"), false, OURS))
        .isEqualTo(PodStep.NOTHING);
    assertThat(PodStep.of(pod("local-node-0", null, null, "Succeeded"), true, OURS))
        .isEqualTo(PodStep.RUN);
    assertThat(PodStep.of(pod("local-node-0", null, null, null), false, OURS))
        .isEqualTo(PodStep.RUN);
  }

  private static Pod pod(String nodeName, String scheduler, String deletedAt, String phase) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .withDeletionTimestamp(deletedAt)
        .endMetadata()
        .withNewSpec()
        .withNodeName(nodeName)
        .withSchedulerName(scheduler)
        .endSpec()
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }
}
