package io.openkruise.agents.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One scenario's outcome.
 *
 * @param latency measured latencies in microseconds (creates, or the raw patches)
 * @param counts the creates' answers; null for the raw-write baseline
 * @param pool depth samples during the scenario (seconds from its start)
 * @param audit API-server requests during the scenario; null without an audit log
 * @param steps per-step create timings from the managers' log lines (microseconds)
 * @param refillSeconds time from the last create's answer until the pool was full again; null when
 *     not measured
 * @param usage CPU seconds and RSS of each watched process group in the scenario's window; empty
 *     when none is watched
 */
record ScenarioResult(
    String name,
    String description,
    Map<String, Object> params,
    Histogram latency,
    Recorder.Counts counts,
    List<Pool.Sample> pool,
    AuditCounts.Window audit,
    Map<String, Histogram> steps,
    Double refillSeconds,
    Map<String, ProcessUsage.Usage> usage) {

  static double ms(long micros) {
    return micros / 1000.0;
  }

  double p(double percentile) {
    return latency == null || latency.getTotalCount() == 0
        ? Double.NaN
        : ms(latency.getValueAtPercentile(percentile));
  }

  double max() {
    return latency == null || latency.getTotalCount() == 0 ? Double.NaN : ms(latency.getMaxValue());
  }

  /** Writes per successful create, leader election and events excluded; NaN without audit. */
  double writesPerClaim() {
    if (audit == null || counts == null || counts.ok() == 0) {
      return Double.NaN;
    }
    return (double) audit.claimWrites() / counts.ok();
  }
}
