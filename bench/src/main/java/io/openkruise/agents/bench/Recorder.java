package io.openkruise.agents.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Outcomes of one scenario's creates: latency (HdrHistogram, microseconds, warm-up excluded),
 * answers by status, sandbox IDs (a repeated ID is a double allocation) and completions per second.
 * Thread-safe.
 */
final class Recorder {

  /** Longest latency the histogram holds (10 min); anything longer is clamped. */
  static final long MAX_MICROS = 600_000_000L;

  private final long startNanos;
  private final ConcurrentHistogram latency = new ConcurrentHistogram(MAX_MICROS, 3);
  private final ConcurrentHistogram deletes = new ConcurrentHistogram(MAX_MICROS, 3);
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger warmup = new AtomicInteger();
  private final Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final AtomicInteger duplicates = new AtomicInteger();
  private final AtomicInteger failedDeletes = new AtomicInteger();
  private final Map<Long, AtomicInteger> perSecond = new ConcurrentSkipListMap<>();
  private final List<String> errors = new ArrayList<>();
  private final AtomicLong firstMeasured = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong lastMeasured = new AtomicLong(Long.MIN_VALUE);

  Recorder(long startNanos) {
    this.startNanos = startNanos;
  }

  long startNanos() {
    return startNanos;
  }

  void sent() {
    sent.incrementAndGet();
  }

  /**
   * One create's answer.
   *
   * @param measured false for warm-up requests: counted as answered, not in the latency
   */
  void create(E2bRest.Answer a, long beganNanos, long endedNanos, boolean measured) {
    byStatus.computeIfAbsent(a.status(), k -> new AtomicInteger()).incrementAndGet();
    if (a.ok() && a.sandboxId() != null && !ids.add(a.sandboxId())) {
      duplicates.incrementAndGet();
    }
    if (!a.ok()) {
      synchronized (errors) {
        if (errors.size() < 5) {
          errors.add(a.status() + " " + a.error());
        }
      }
    }
    if (!measured) {
      warmup.incrementAndGet();
      return;
    }
    latency.recordValue(Math.min(MAX_MICROS, Math.max(0, (endedNanos - beganNanos) / 1000)));
    firstMeasured.accumulateAndGet(beganNanos, Math::min);
    lastMeasured.accumulateAndGet(endedNanos, Math::max);
    if (a.ok()) {
      perSecond
          .computeIfAbsent((endedNanos - startNanos) / 1_000_000_000L, k -> new AtomicInteger())
          .incrementAndGet();
    }
  }

  void delete(E2bRest.Answer a, long micros) {
    if (a.ok()) {
      deletes.recordValue(Math.min(MAX_MICROS, micros));
    } else {
      failedDeletes.incrementAndGet();
    }
  }

  /** Everything a report needs, copied at the end of the scenario. */
  Counts counts() {
    Map<Integer, Integer> statuses = new TreeMap<>();
    byStatus.forEach((k, v) -> statuses.put(k, v.get()));
    int answered = statuses.entrySet().stream().mapToInt(Map.Entry::getValue).sum();
    int ok =
        statuses.entrySet().stream()
            .filter(e -> e.getKey() / 100 == 2)
            .mapToInt(Map.Entry::getValue)
            .sum();
    Map<Long, Integer> series = new TreeMap<>();
    perSecond.forEach((k, v) -> series.put(k, v.get()));
    long span = lastMeasured.get() - firstMeasured.get();
    List<String> errs;
    synchronized (errors) {
      errs = List.copyOf(errors);
    }
    return new Counts(
        sent.get(),
        answered - statuses.getOrDefault(0, 0),
        ok,
        warmup.get(),
        statuses,
        duplicates.get(),
        failedDeletes.get(),
        span > 0 ? span / 1e9 : 0,
        series,
        errs);
  }

  Histogram latency() {
    return latency.copy();
  }

  Histogram deletes() {
    return deletes.copy();
  }

  /**
   * @param answered requests that got any HTTP answer
   * @param ok 2xx answers
   * @param statuses answers by status; 0 = no answer (connection error, timeout)
   * @param duplicates sandbox IDs handed out twice (double allocation)
   * @param measuredSeconds from the first measured request's start to the last one's end
   * @param perSecond 2xx completions per second since the scenario started
   */
  record Counts(
      int sent,
      int answered,
      int ok,
      int warmup,
      Map<Integer, Integer> statuses,
      int duplicates,
      int failedDeletes,
      double measuredSeconds,
      Map<Long, Integer> perSecond,
      List<String> errors) {
    int measuredOk() {
      return perSecond.values().stream().mapToInt(Integer::intValue).sum();
    }

    double throughput() {
      return measuredSeconds > 0 ? measuredOk() / measuredSeconds : 0;
    }
  }
}
