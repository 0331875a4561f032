package io.openkruise.agents.manager.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Claim latency, outcomes and 409 retries, and the read-your-writes waits that follow writes
 * (Prometheus under {@code /q/metrics}). Pool depth is the controller-manager's gauge ({@code
 * kruise_controller_pool_available}): one owner, one series.
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

  /**
   * How a read-your-writes wait ended: seen, timed_out (the watch lags more than the settle
   * timeout), gone or not_cached (the sandbox left the cache), interrupted, over_budget (not made:
   * the replica's {@code cache-settle-budget} was in use), event_loop (not made: never on an event
   * loop).
   */
  public void cacheSettle(String outcome) {
    Counter.builder("kruise.manager.cache.settles")
        .description("Read-your-writes waits for this replica's cache, by how they ended")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /**
   * The read-your-writes waits running now (never more than the budget). Held strongly: the gauge
   * lives as long as the registry.
   */
  public void cacheSettlesRunning(Supplier<Number> running) {
    Gauge.builder("kruise.manager.cache.settles.running", running)
        .description("Read-your-writes waits running now, bounded by the cache-settle budget")
        .register(registry);
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
