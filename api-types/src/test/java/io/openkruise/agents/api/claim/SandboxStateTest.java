package io.openkruise.agents.api.claim;

import static io.openkruise.agents.api.claim.Sandboxes.available;
import static io.openkruise.agents.api.claim.Sandboxes.claimed;
import static io.openkruise.agents.api.claim.Sandboxes.ready;
import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class SandboxStateTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  @Test
  void poolMemberIsAvailableWhenReadyElseCreating() {
    Sandbox s = available("ns", "a", "set");
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.AVAILABLE);
    s.getStatus().setConditions(List.of(ready(false)));
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.CREATING);
  }

  @Test
  void pendingIsCreatingAndTerminalPhasesAreDead() {
    Sandbox s = available("ns", "a", "set");
    s.getStatus().setPhase(SandboxPhase.PENDING);
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.CREATING);
    for (String phase :
        List.of(SandboxPhase.SUCCEEDED, SandboxPhase.FAILED, SandboxPhase.TERMINATING)) {
      s.getStatus().setPhase(phase);
      assertThat(SandboxState.of(s, NOW)).as(phase).isEqualTo(SandboxState.DEAD);
    }
  }

  @Test
  void deletionOrPastShutdownIsDead() {
    Sandbox s = available("ns", "a", "set");
    s.getSpec().setShutdownTime("2026-11-23T11:59:59Z");
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.DEAD);
    s.getSpec().setShutdownTime("2026-11-23T12:00:01Z");
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.AVAILABLE);
    s.getMetadata().setDeletionTimestamp("2026-11-23T11:00:00Z");
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.DEAD);
  }

  @Test
  void claimedSandboxIsRunningPausedOrDead() {
    Sandbox s = claimed(available("ns", "a", "set"));
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.RUNNING);
    s.getStatus().setConditions(List.of(ready(false)));
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.DEAD);
    s.getSpec().setPaused(true);
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.PAUSED);
    s.getStatus().setPhase(SandboxPhase.PAUSED);
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.PAUSED);
    s.getStatus().setPhase(SandboxPhase.RESUMING);
    assertThat(SandboxState.of(s, NOW)).isEqualTo(SandboxState.PAUSED);
  }

  @Test
  void claimableNeedsUnclaimedLabelNoLockAndAnIp() {
    Sandbox s = available("ns", "a", "set");
    assertThat(SandboxState.isClaimable(s, NOW)).isTrue();

    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_LOCK, "someone");
    assertThat(SandboxState.isClaimable(s, NOW)).isFalse();
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_LOCK, "");
    assertThat(SandboxState.isClaimable(s, NOW)).isTrue();

    s.getStatus().setSandboxIp(null);
    assertThat(SandboxState.isClaimable(s, NOW)).isFalse();
    s.getStatus().setSandboxIp("127.1.0.9");

    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    assertThat(SandboxState.isClaimable(s, NOW)).isFalse();
  }

  @Test
  void malformedTimesAreIgnored() {
    assertThat(SandboxState.parseTime("yesterday")).isEmpty();
    assertThat(SandboxState.parseTime(null)).isEmpty();
    assertThat(SandboxState.parseTime("2026-11-23T12:00:00+02:00"))
        .contains(Instant.parse("2026-11-23T10:00:00Z"));
  }
}
