package io.openkruise.agents.manager.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import java.time.Clock;
import java.time.Duration;

/** Claim latency, outcomes, 409 retries and pool depth (Prometheus under {@code /q/metrics}). */
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

  /** One gauge per SandboxSet: claimable members, read from the cache at scrape time. */
  public void watchPools(SandboxCache cache, Clock clock) {
    cache.onSetAdded(
        (SandboxSet set) -> {
          String ns = set.getMetadata().getNamespace();
          String name = set.getMetadata().getName();
          Gauge.builder(
                  "kruise.manager.pool.available",
                  cache,
                  c ->
                      c.pool(name).stream()
                          .filter(s -> ns.equals(s.getMetadata().getNamespace()))
                          .filter(s -> SandboxState.isClaimable(s, clock.instant()))
                          .count())
              .description("Claimable warm sandboxes per SandboxSet")
              .tag("namespace", ns)
              .tag("template", name)
              .register(registry);
        });
  }
}
