package io.openkruise.agents.runtime.metrics;

/**
 * Raw counters read at one instant; {@link SampleMath} turns two of them into a {@link
 * ResourceSample}.
 *
 * @param nanoTime monotonic clock at the read
 * @param cpuNanos CPU time used so far (cumulative), nanoseconds
 */
public record Usage(
    long nanoTime,
    long cpuNanos,
    int cpuCount,
    long memUsed,
    long memTotal,
    long memCache,
    long diskUsed,
    long diskTotal) {}
