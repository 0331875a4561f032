package io.openkruise.agents.runtime.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;

/**
 * One sample of a sandbox's resources, in the units envd reports.
 *
 * @param timestampMs when it was taken (epoch milliseconds)
 * @param cpuCount CPUs the sandbox may use
 * @param cpuUsedPct CPU used since the previous sample, in percent of {@code cpuCount} CPUs
 * @param memUsed memory in use without the page cache, bytes
 * @param memTotal memory the sandbox may use, bytes
 * @param memCache page cache, bytes
 * @param diskUsed bytes used on the sandbox's disk
 * @param diskTotal size of the sandbox's disk, bytes
 */
public record ResourceSample(
    long timestampMs,
    int cpuCount,
    double cpuUsedPct,
    long memUsed,
    long memTotal,
    long memCache,
    long diskUsed,
    long diskTotal) {

  /** envd's {@code GET /metrics} shape (snake case, seconds), plus milliseconds for the range. */
  public ObjectNode toJson() {
    ObjectNode m = Json.object();
    m.put("ts", timestampMs / 1000);
    m.put("ts_ms", timestampMs);
    m.put("cpu_count", cpuCount);
    m.put("cpu_used_pct", Math.round(cpuUsedPct * 100) / 100.0);
    m.put("mem_total", memTotal);
    m.put("mem_used", memUsed);
    m.put("mem_cache", memCache);
    m.put("mem_total_mib", memTotal >> 20);
    m.put("mem_used_mib", memUsed >> 20);
    m.put("disk_total", diskTotal);
    m.put("disk_used", diskUsed);
    return m;
  }
}
