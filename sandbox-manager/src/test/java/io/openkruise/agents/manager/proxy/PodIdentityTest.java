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

  @Test
  void theSandboxsOwnPodAtItsIpIsTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(
            PodIdentity.check(s, Optional.of(pod("pod-1", s.getMetadata().getUid(), "10.0.0.5")))
                .same())
        .isTrue();
  }

  @Test
  void aMissingPodIsNotTheSame() {
    assertThat(PodIdentity.check(sandbox("pod-1", "10.0.0.5"), Optional.empty()).same()).isFalse();
  }

  @Test
  void anotherPodUidIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(
            PodIdentity.check(s, Optional.of(pod("pod-2", s.getMetadata().getUid(), "10.0.0.5")))
                .same())
        .isFalse();
  }

  @Test
  void anotherIpIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    assertThat(
            PodIdentity.check(s, Optional.of(pod("pod-1", s.getMetadata().getUid(), "10.0.0.9")))
                .same())
        .isFalse();
  }

  @Test
  void aPodControlledBySomeoneElseIsNotTheSame() {
    Sandbox s = sandbox(null, "10.0.0.5");
    assertThat(
            PodIdentity.check(s, Optional.of(pod("pod-1", "another-sandbox", "10.0.0.5"))).same())
        .isFalse();
  }

  @Test
  void aTerminatingPodIsNotTheSame() {
    Sandbox s = sandbox("pod-1", "10.0.0.5");
    Pod p = pod("pod-1", s.getMetadata().getUid(), "10.0.0.5");
    p.getMetadata().setDeletionTimestamp("2026-12-01T00:00:00Z");
    assertThat(PodIdentity.check(s, Optional.of(p)).same()).isFalse();
  }
}
