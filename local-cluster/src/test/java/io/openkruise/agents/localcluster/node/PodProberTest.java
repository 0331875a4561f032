package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.openkruise.agents.runtime.RuntimeOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class PodProberTest {
  private static final String IP = "127.1.0.2";

  @Test
  void anUnreadyContainerIsProbedAgainAfterTheRetryDelay() {
    assertThat(PodProber.delayMillis(false, httpProbe(8080, 3), Duration.ofMillis(100)))
        .isEqualTo(100);
    assertThat(PodProber.delayMillis(false, null, Duration.ofMillis(100))).isEqualTo(100);
  }

  @Test
  void aReadyContainerIsProbedEveryPeriodOrNeverWithoutAReadinessProbe() {
    assertThat(PodProber.delayMillis(true, httpProbe(8080, 3), Duration.ofMillis(100)))
        .isEqualTo(3000);
    assertThat(PodProber.delayMillis(true, httpProbe(8080, null), Duration.ofMillis(100)))
        .isEqualTo(10_000);
    assertThat(PodProber.delayMillis(true, null, Duration.ofMillis(100))).isZero();
  }

  @Test
  void onlyUnservedPortsOfThePodsOwnAddressPassUnprobedAndOnlyWhenAsked() {
    Container c = new ContainerBuilder().withName("c").build();

    ProbeTarget unserved = ProbeTarget.resolve(httpProbe(8080, null), c, IP);
    ProbeTarget envd =
        ProbeTarget.resolve(httpProbe(RuntimeOptions.DEFAULT_ENVD_PORT, null), c, IP);

    assertThat(PodProber.assumedPassing(true, unserved, IP, false)).isTrue();
    assertThat(PodProber.assumedPassing(false, unserved, IP, false)).isFalse();
    assertThat(PodProber.assumedPassing(true, envd, IP, false)).isFalse();
    assertThat(PodProber.assumedPassing(true, unserved, IP, true)).isFalse();
  }

  @Test
  void terminationWaitsTheGracePeriodAtLeastASecond() {
    assertThat(PodTermination.stopWithin(null)).isEqualTo(Duration.ofSeconds(30));
    assertThat(PodTermination.stopWithin(0L)).isEqualTo(Duration.ofSeconds(1));
    assertThat(PodTermination.stopWithin(5L)).isEqualTo(Duration.ofSeconds(5));
  }

  private static Probe httpProbe(int port, Integer periodSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath("/health")
        .withPort(new IntOrString(port))
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .build();
  }
}
