package io.openkruise.agents.manager.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Claim latency, outcomes and 409 retries (Prometheus under {@code /q/metrics}). Pool depth is the
 * controller-manager's gauge ({@code kruise_controller_pool_available}): one owner, one series.
 */
public final class ClaimMetrics {

  private final MeterRegistry registry;

  public ClaimMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * @param outcome claimed, created (on no stock), no_stock, init_failed, not_ready, error
   */
  public void claim(String template, String outcome, Duration latency) {
    Timer.builder("kruise.manager.claim.latency")
        .description("Time from create request to a usable sandbox, or to giving up")
        .tag("template", template)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(latency);
    Counter.builder("kruise.manager.claims")
        .description("E2B creates by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  public void conflicts(int n) {
    if (n > 0) {
      Counter.builder("kruise.manager.claim.conflicts")
          .description("Claim patches rejected with 409 because another claimer won")
          .register(registry)
          .increment(n);
    }
  }
}
