package io.openkruise.agents.runtime.metrics;

/** Turns consecutive {@link Usage} reads into {@link ResourceSample}s. Pure. */
public final class SampleMath {
  private SampleMath() {}

  /**
   * @param previous the read before, or null for the first sample (then CPU reads 0)
   * @param timestampMs wall clock of {@code current}
   */
  public static ResourceSample sample(Usage previous, Usage current, long timestampMs) {
    double pct = 0;
    if (previous != null && current.cpuCount() > 0) {
      long wall = current.nanoTime() - previous.nanoTime();
      long cpu = current.cpuNanos() - previous.cpuNanos();
      if (wall > 0 && cpu > 0) {
        pct = Math.min(100.0, 100.0 * cpu / ((double) wall * current.cpuCount()));
      }
    }
    long memTotal = Math.max(current.memTotal(), 0);
    long memUsed = clamp(current.memUsed(), memTotal);
    return new ResourceSample(
        timestampMs,
        Math.max(current.cpuCount(), 1),
        pct,
        memUsed,
        memTotal,
        clamp(current.memCache(), memTotal),
        clamp(current.diskUsed(), current.diskTotal()),
        Math.max(current.diskTotal(), 0));
  }

  private static long clamp(long v, long max) {
    return Math.max(0, Math.min(v, max));
  }
}
