package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.openkruise.agents.api.v1alpha1.PodInfo;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.testing.tier.UnitTier;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@UnitTier
class PodIdentityTest {

  private static Sandbox sandbox(String podUid, String ip) {
    Sandbox s = Fixtures.claimed("ns", "sbx", "tpl", "owner", ip);
    PodInfo info = new PodInfo();
    info.setPodUID(podUid);
    s.getStatus().setPodInfo(info);
    return s;
  }

  private static Pod pod(String uid, String ownerUid, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("sbx")
        .withNamespace("ns")
        .withUid(uid)
        .addNewOwnerReference()
        .withKind("Sandbox")
        .withName("sbx")
        .withUid(ownerUid)
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewStatus()
        .withPodIP(ip)
        .endStatus()
        .build();
  }

  /** A pod controlled by {@code s}. */
  private static Pod podOf(Sandbox s, String uid, String ip) {
    return pod(uid, s.getMetadata().getUid(), ip);
  }

  /** Whether {@code pod} is taken for {@code s}'s own pod. */
  private static boolean same(Sandbox s, Pod pod) {
    return PodIdentity.check(s, Optional.of(pod)).same();
  }

  @Test
  void theSandboxsOwnPodAtItsIpIsTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(same(s, podOf(s, "pod-1", "10.0.0.5"))).isTrue();
  }

  @Test
  void aMissingPodIsNotTheSame() {
    assertThat(PodIdentity.check(sandbox("pod-1", "10.0.0.5"), Optional.empty()).same()).isFalse();
  }

  @Test
  void anotherPodUidIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(same(s, podOf(s, "pod-2", "10.0.0.5"))).isFalse();
  }

  @Test
  void anotherIpIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(same(s, podOf(s, "pod-1", "10.0.0.9"))).isFalse();
  }

  @Test
  void aPodControlledBySomeoneElseIsNotTheSame() {
    Sandbox s = sandbox(null, "10.0.0.5");
    assertThat(same(s, pod("pod-1", "another-sandbox", "10.0.0.5"))).isFalse();
  }

  @Test
  void aTerminatingPodIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    Pod p = podOf(s, "pod-1", "10.0.0.5");
    p.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
    assertThat(same(s, p)).isFalse();
  }
}
