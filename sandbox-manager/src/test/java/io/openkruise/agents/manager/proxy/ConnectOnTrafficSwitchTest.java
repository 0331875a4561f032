package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.Fixtures;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The global switch is the operator's off switch: with it off, no sandbox wakes on traffic. */
@io.openkruise.agents.testing.tier.UnitTier
class ConnectOnTrafficSwitchTest {

  private static Sandbox askedAtCreate() {
    Sandbox s = Fixtures.claimed("ns", "s", "tpl", "owner-1", "127.0.0.1");
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_AUTO_RESUME, "true");
    return s;
  }

  @Test
  void aSandboxThatAskedResumesOnlyWhileTheSwitchIsOn() {
    // The sandbox's own annotation decides without looking at its SandboxSet (no cache needed).
    assertThat(
            new ConnectOnTraffic(null, null, null, true, Duration.ofMinutes(5))
                .applies(askedAtCreate()))
        .isTrue();
    assertThat(
            new ConnectOnTraffic(null, null, null, false, Duration.ofMinutes(5))
                .applies(askedAtCreate()))
        .isFalse();
  }
}
