package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
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
        new NodeBuilder(
                tainted(new Taint("NoSchedule", "node.kubernetes.io/unreachable", null, null)))
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
        tainted(
            new Taint("NoSchedule", "dedicated", null, "sandboxes"),
            new Taint("PreferNoSchedule", "soft", null, null));
    assertThat(NodePicker.toleratesTaints(pod(null, null, null), tainted)).isFalse();
    assertThat(
            NodePicker.toleratesTaints(
                tolerating("dedicated", "Equal", "sandboxes", "NoSchedule"), tainted))
        .isTrue();
    assertThat(NodePicker.toleratesTaints(tolerating("dedicated", "Equal", "gpu", null), tainted))
        .isFalse();
    assertThat(NodePicker.toleratesTaints(tolerating(null, "Exists", null, null), tainted))
        .isTrue();
  }

  /** Node "a", without labels, carrying {@code taints}. */
  private static Node tainted(Taint... taints) {
    return new NodeBuilder(node("a", Map.of())).withNewSpec().withTaints(taints).endSpec().build();
  }

  private static Pod tolerating(String key, String operator, String value, String effect) {
    Pod pod = pod(null, null, null);
    pod.getSpec().setTolerations(List.of(new Toleration(effect, key, operator, null, value)));
    return pod;
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
