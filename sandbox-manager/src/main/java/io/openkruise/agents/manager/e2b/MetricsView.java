package io.openkruise.agents.manager.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One runtime sample (envd's {@code /metrics} object: {@code ts}, {@code cpu_count}, {@code
 * cpu_used_pct}, {@code mem_used}, ...) as E2B's {@code SandboxMetric}. Pure.
 */
public final class MetricsView {
  private MetricsView() {}

  public static Map<String, Object> metric(JsonNode sample) {
    long ms =
        sample.has("ts_ms") ? sample.get("ts_ms").asLong() : sample.path("ts").asLong() * 1000;
    Instant at = Instant.ofEpochMilli(ms);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("timestamp", at.toString());
    m.put("timestampUnix", at.getEpochSecond());
    m.put("cpuCount", sample.path("cpu_count").asInt());
    m.put("cpuUsedPct", sample.path("cpu_used_pct").asDouble());
    m.put("memUsed", sample.path("mem_used").asLong());
    m.put("memTotal", sample.path("mem_total").asLong());
    m.put("memCache", sample.path("mem_cache").asLong());
    m.put("diskUsed", sample.path("disk_used").asLong());
    m.put("diskTotal", sample.path("disk_total").asLong());
    return m;
  }
}
