package io.openkruise.agents.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The table on stdout and the JSON file of a run. */
final class Report {

  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  private Report() {}

  /** Fixed-width table: one row per scenario, ratios against the raw-write baseline's p50. */
  static void table(List<ScenarioResult> results, PrintStream out) {
    double raw =
        results.stream()
            .filter(r -> r.name().equals(Scenarios.RAW_PATCH))
            .mapToDouble(r -> r.p(50))
            .findFirst()
            .orElse(Double.NaN);
    out.printf(
        Locale.ROOT,
        "%-22s %6s %6s %8s %8s %8s %8s %8s %8s %8s %8s%n",
        "scenario",
        "sent",
        "ok",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "x raw",
        "ops/s",
        "writes/c",
        "refill s");
    for (ScenarioResult r : results) {
      Recorder.Counts c = r.counts();
      out.printf(
          Locale.ROOT,
          "%-22s %6s %6s %8.1f %8.1f %8.1f %8.1f %8s %8s %8s %8s%n",
          r.name(),
          c == null ? r.latency().getTotalCount() : c.sent(),
          c == null ? r.latency().getTotalCount() : c.ok(),
          r.p(50),
          r.p(90),
          r.p(99),
          r.max(),
          Double.isNaN(raw) || r.name().equals(Scenarios.RAW_PATCH)
              ? "-"
              : String.format(Locale.ROOT, "%.1f", r.p(50) / raw),
          c == null ? "-" : String.format(Locale.ROOT, "%.1f", c.throughput()),
          Double.isNaN(r.writesPerClaim())
              ? "-"
              : String.format(Locale.ROOT, "%.1f", r.writesPerClaim()),
          r.refillSeconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.refillSeconds()));
    }
    for (ScenarioResult r : results) {
      if (r.steps() != null && !r.steps().isEmpty()) {
        out.printf(
            Locale.ROOT, "%n%s: create steps in the manager (p50 / p90 / max ms)%n", r.name());
        r.steps()
            .forEach(
                (step, h) ->
                    out.printf(
                        Locale.ROOT,
                        "  %-10s %7.1f %7.1f %7.1f  (n=%d)%n",
                        step,
                        ScenarioResult.ms(h.getValueAtPercentile(50)),
                        ScenarioResult.ms(h.getValueAtPercentile(90)),
                        ScenarioResult.ms(h.getMaxValue()),
                        h.getTotalCount()));
      }
      if (r.usage() != null && !r.usage().isEmpty()) {
        out.printf(Locale.ROOT, "%s: process CPU s in the window / RSS MiB at its end%n", r.name());
        r.usage()
            .forEach(
                (name, u) ->
                    out.printf(
                        Locale.ROOT, "  %-22s %8.2f %8.0f%n", name, u.cpuSeconds(), u.rssMiB()));
      }
      if (r.audit() != null && r.counts() != null && r.counts().ok() > 0) {
        out.printf(
            Locale.ROOT,
            "%s: API-server writes per create (audit log; ok=%d)%n",
            r.name(),
            r.counts().ok());
        r.audit()
            .writes()
            .forEach(
                (k, v) ->
                    out.printf(
                        Locale.ROOT,
                        "  %-36s %6.2f%s%n",
                        k,
                        (double) v / r.counts().ok(),
                        AuditCounts.BACKGROUND_RESOURCES.contains(k.split(" ")[1].split("/")[0])
                            ? "  (background)"
                            : ""));
      }
    }
  }

  static void json(List<ScenarioResult> results, Map<String, Object> run, Path file)
      throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>(run);
    List<Object> scenarios = new ArrayList<>();
    for (ScenarioResult r : results) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", r.name());
      s.put("description", r.description());
      s.put("params", r.params());
      s.put("latencyMs", summary(r.latency()));
      if (r.counts() != null) {
        Recorder.Counts c = r.counts();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", c.sent());
        m.put("answered", c.answered());
        m.put("ok", c.ok());
        m.put("warmup", c.warmup());
        m.put("statuses", c.statuses());
        m.put("duplicateIds", c.duplicates());
        m.put("failedDeletes", c.failedDeletes());
        m.put("measuredSeconds", c.measuredSeconds());
        m.put("throughputPerSecond", c.throughput());
        m.put("okPerSecond", c.perSecond());
        m.put("errors", c.errors());
        s.put("counts", m);
      }
      if (r.refillSeconds() != null) {
        s.put("refillSeconds", r.refillSeconds());
      }
      if (r.audit() != null) {
        s.put("auditWrites", r.audit().writes());
        s.put("auditReads", r.audit().reads());
        s.put("writesPerClaim", r.writesPerClaim());
      }
      if (r.usage() != null && !r.usage().isEmpty()) {
        Map<String, Object> usage = new LinkedHashMap<>();
        r.usage()
            .forEach(
                (name, u) ->
                    usage.put(
                        name,
                        Map.of("cpuSeconds", u.cpuSeconds(), "rssMiB", Math.round(u.rssMiB()))));
        s.put("processes", usage);
      }
      if (r.steps() != null && !r.steps().isEmpty()) {
        Map<String, Object> steps = new LinkedHashMap<>();
        r.steps().forEach((k, h) -> steps.put(k, summary(h)));
        s.put("createStepsMs", steps);
      }
      if (r.pool() != null && !r.pool().isEmpty()) {
        s.put(
            "poolDepth",
            r.pool().stream()
                .map(p -> List.of(Math.round(p.seconds() * 10) / 10.0, p.depth()))
                .toList());
      }
      scenarios.add(s);
    }
    doc.put("scenarios", scenarios);
    Files.createDirectories(file.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
  }

  static Map<String, Object> summary(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (h == null || h.getTotalCount() == 0) {
      m.put("count", 0);
      return m;
    }
    m.put("count", h.getTotalCount());
    for (double p : PERCENTILES) {
      m.put(
          "p" + (p == Math.rint(p) ? String.valueOf((int) p) : String.valueOf(p)),
          ScenarioResult.ms(h.getValueAtPercentile(p)));
    }
    m.put("max", ScenarioResult.ms(h.getMaxValue()));
    m.put("mean", Math.round(h.getMean()) / 1000.0);
    return m;
  }
}
