package io.openkruise.agents.controller.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class PatchesTest {

  private static SandboxSetStatus status(int replicas) {
    SandboxSetStatus s = new SandboxSetStatus();
    s.setReplicas(replicas);
    return s;
  }

  private static SandboxSet set(SandboxSetStatus status) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("pool");
    set.getMetadata().setNamespace("ns");
    set.getMetadata().setLabels(Map.of("not", "in-the-patch"));
    set.setStatus(status);
    return set;
  }

  @Test
  void anUnchangedOrMissingStatusWritesNothing() {
    assertThat(Patches.statusUpdate(set(status(2)), status(2)).isNoUpdate()).isTrue();
    assertThat(Patches.statusUpdate(set(status(2)), null).isNoUpdate()).isTrue();
    assertThat(Patches.statusUpdate(set(status(2)), status(2)).getScheduleDelay()).isEmpty();
  }

  @Test
  void aChangedStatusIsPatchedAloneAndLookedAtAgainAtOnce() {
    UpdateControl<SandboxSet> control = Patches.statusUpdate(set(status(2)), status(3));

    assertThat(control.isPatchStatus()).isTrue();
    SandboxSet patch = control.getResource().orElseThrow();
    assertThat(patch.getMetadata().getName()).isEqualTo("pool");
    assertThat(patch.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(patch.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(patch.getStatus()).isEqualTo(status(3));
    // The JOSDK #3398 workaround: without it a spec change during the patch could be lost.
    assertThat(control.getScheduleDelay()).contains(0L);
  }

  @Test
  void aFirstStatusIsPatched() {
    assertThat(Patches.statusUpdate(set(null), status(1)).isPatchStatus()).isTrue();
  }
}
