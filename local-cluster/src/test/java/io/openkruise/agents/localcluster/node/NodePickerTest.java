package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class NodePickerTest {
  private final List<Node> nodes =
      List.of(node("a", Map.of("zone", "x")), node("b", Map.of("zone", "y")));

  @Test
  void roundRobinOverAllNodesWithoutSelector() {
    Pod pod = pod(null, null, null);
    assertThat(NodePicker.pick(pod, nodes, 0)).contains("a");
    assertThat(NodePicker.pick(pod, nodes, 1)).contains("b");
    assertThat(NodePicker.pick(pod, nodes, 2)).contains("a");
  }

  @Test
  void nodeSelectorNarrowsTheChoice() {
    Pod pod = pod(Map.of("zone", "y"), null, null);
    assertThat(NodePicker.pick(pod, nodes, 0)).contains("b");
    assertThat(NodePicker.pick(pod, nodes, 1)).contains("b");
    assertThat(NodePicker.pick(pod(Map.of("zone", "z"), null, null), nodes, 0)).isEmpty();
  }

  @Test
  void onlyUnboundLivePodsForTheDefaultSchedulerNeedScheduling() {
    assertThat(NodePicker.needsScheduling(pod(null, null, null))).isTrue();
    assertThat(NodePicker.needsScheduling(pod(null, "default-scheduler", null))).isTrue();
    assertThat(NodePicker.needsScheduling(pod(null, "volcano", null))).isFalse();
    assertThat(NodePicker.needsScheduling(pod(null, null, "a"))).isFalse();
  }

  @Test
  void aPodNoNodeFitsIsMarkedUnschedulableOnce() {
    Pod pod = pod(Map.of("zone", "z"), null, null);
    Instant now = Instant.parse("2026-11-23T10:00:00.750Z");

    PodStatus status = NodePicker.unschedulable(pod, 2, now).orElseThrow();

    assertThat(status.getPhase()).isEqualTo("Pending");
    assertThat(status.getConditions())
        .singleElement()
        .extracting("type", "status", "reason", "lastTransitionTime")
        .containsExactly("PodScheduled", "False", "Unschedulable", "2026-11-23T10:00:00Z");
    assertThat(status.getConditions().get(0).getMessage()).startsWith("0/2 nodes are available");
    pod.setStatus(status);
    assertThat(NodePicker.unschedulable(pod, 2, now)).isEmpty();
  }

  @Test
  void aNodeThatStoppedReportingTakesNoNewPods() {
    Node lost =
        new NodeBuilder(node("a", Map.of()))
            .withNewSpec()
            .addNewTaint()
            .withKey("node.kubernetes.io/unreachable")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("Unknown")
            .endCondition()
            .endStatus()
            .build();
    List<Node> two = List.of(lost, node("b", Map.of()));
    Pod pod = pod(null, null, null);
    for (long turn = 0; turn < 4; turn++) {
      assertThat(NodePicker.pick(pod, two, turn)).contains("b");
    }
  }

  @Test
  void taintsKeepPodsAwayUnlessTolerated() {
    Node tainted =
        new NodeBuilder(node("a", Map.of()))
            .withNewSpec()
            .addNewTaint()
            .withKey("dedicated")
            .withValue("sandboxes")
            .withEffect("NoSchedule")
            .endTaint()
            .addNewTaint()
            .withKey("soft")
            .withEffect("PreferNoSchedule")
            .endTaint()
            .endSpec()
            .build();
    Pod plain = pod(null, null, null);
    assertThat(NodePicker.toleratesTaints(plain, tainted)).isFalse();

    Pod equal = pod(null, null, null);
    equal
        .getSpec()
        .setTolerations(
            List.of(
                new io.fabric8.kubernetes.api.model.TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("sandboxes")
                    .withEffect("NoSchedule")
                    .build()));
    assertThat(NodePicker.toleratesTaints(equal, tainted)).isTrue();

    Pod other = pod(null, null, null);
    other
        .getSpec()
        .setTolerations(
            List.of(
                new io.fabric8.kubernetes.api.model.TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("gpu")
                    .build()));
    assertThat(NodePicker.toleratesTaints(other, tainted)).isFalse();

    Pod everything = pod(null, null, null);
    everything
        .getSpec()
        .setTolerations(
            List.of(
                new io.fabric8.kubernetes.api.model.TolerationBuilder()
                    .withOperator("Exists")
                    .build()));
    assertThat(NodePicker.toleratesTaints(everything, tainted)).isTrue();
  }

  private static Node node(String name, Map<String, String> labels) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  private static Pod pod(Map<String, String> selector, String scheduler, String nodeName) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewSpec()
        .withNodeSelector(selector)
        .withSchedulerName(scheduler)
        .withNodeName(nodeName)
        .endSpec()
        .build();
  }
}
