package io.openkruise.agents.runtime.metrics;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Samples the sandbox's resources every {@link #INTERVAL_MS} into a {@link SampleRing} that serves
 * the E2B metrics range ({@code GET /metrics?start=&end=}): the sandbox-manager asks the runtime,
 * so the samples live, and die, with the sandbox.
 */
public final class MetricsSampler {
  private static final Logger LOG = Logger.getLogger(MetricsSampler.class.getName());

  /** E2B samples every few seconds too. */
  public static final long INTERVAL_MS = 5_000;

  /** Two hours at {@link #INTERVAL_MS}: enough for a sandbox's default life, bounded memory. */
  public static final int CAPACITY = 1440;

  private final Vertx vertx;
  private final UsageReader reader;
  private final SampleRing ring = new SampleRing(CAPACITY);
  private Usage previous;
  private long timer = -1;
  private volatile boolean closed;

  public MetricsSampler(Vertx vertx, UsageReader reader) {
    this.vertx = vertx;
    this.reader = reader;
  }

  /**
   * The reader for where the runtime runs: its container's cgroup on a pod (root {@code /}), else
   * the processes it started (a simulated node shares one JVM among many sandboxes).
   */
  public static UsageReader readerFor(
      boolean ownContainer, Path rootDir, Supplier<Collection<ProcessHandle>> processes) {
    long host = ProcessTreeUsage.hostMemory();
    Path cgroups = Path.of("/sys/fs/cgroup");
    if (ownContainer && CgroupUsage.available(cgroups)) {
      return new CgroupUsage(cgroups, rootDir, host);
    }
    return new ProcessTreeUsage(processes, rootDir, host, 4096);
  }

  /** Takes the first sample now, then one every interval. */
  public void start() {
    sampleNow();
    timer = vertx.setPeriodic(INTERVAL_MS, id -> sampleNow());
  }

  private void sampleNow() {
    vertx
        .executeBlocking(
            () -> {
              synchronized (this) {
                if (closed) {
                  return null;
                }
                Usage current = reader.read();
                ring.add(SampleMath.sample(previous, current, System.currentTimeMillis()));
                previous = current;
              }
              return null;
            },
            false)
        .onFailure(t -> LOG.log(Level.FINE, "metrics sample failed", t));
  }

  public List<ResourceSample> range(long fromMs, long toMs) {
    return ring.range(fromMs, toMs);
  }

  public Optional<ResourceSample> latest() {
    return ring.latest();
  }

  public void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
