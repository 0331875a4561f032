package io.openkruise.agents.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The two load shapes. Closed loop: {@code concurrency} workers, each creating (and then deleting,
 * untimed) one sandbox after another until the requests are used up. Open loop: creates start at a
 * fixed rate whatever the answers do, and each latency counts from the request's <em>scheduled</em>
 * start, so a slow server cannot hide queueing (no coordinated omission).
 */
final class Load {

  /** What each worker runs before a request, untimed (e.g. wait for a warm sandbox). */
  interface Gate {
    Gate NONE = () -> {};

    void await() throws InterruptedException;
  }

  private final E2bRest api;
  private final String template;
  private final boolean deleteAfter;

  Load(E2bRest api, String template, boolean deleteAfter) {
    this.api = api;
    this.template = template;
    this.deleteAfter = deleteAfter;
  }

  /** Sandbox timeout asked for: long enough that none expires during a run. */
  private static final int SANDBOX_TIMEOUT_SECONDS = 600;

  /** Closed loop: {@code warmup + measured} creates by {@code concurrency} workers. */
  Recorder closed(int concurrency, int warmup, int measured, Gate gate)
      throws InterruptedException {
    Recorder rec = new Recorder(System.nanoTime());
    AtomicInteger tickets = new AtomicInteger();
    int total = warmup + measured;
    ExecutorService workers =
        Executors.newFixedThreadPool(concurrency, Daemons.factory("closed-loop"));
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      done.add(
          workers.submit(
              () -> {
                int ticket;
                while ((ticket = tickets.getAndIncrement()) < total) {
                  try {
                    gate.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                  }
                  one(rec, System.nanoTime(), ticket >= warmup);
                }
                return null;
              }));
    }
    awaitAll(done, workers);
    return rec;
  }

  /**
   * Open loop: {@code rate} creates per second for {@code warmup + measured}; those scheduled in
   * the first {@code warmup} are not measured.
   */
  Recorder open(double rate, Duration warmup, Duration measured) throws InterruptedException {
    long start = System.nanoTime();
    Recorder rec = new Recorder(start);
    long period = (long) (1e9 / rate);
    long warmEnd = start + warmup.toNanos();
    long end = warmEnd + measured.toNanos();
    ExecutorService pool = Executors.newCachedThreadPool(Daemons.factory("open-loop"));
    List<Future<?>> done = new ArrayList<>();
    for (long i = 0; ; i++) {
      long scheduled = start + i * period;
      if (scheduled >= end) {
        break;
      }
      long wait;
      while ((wait = scheduled - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      boolean isMeasured = scheduled >= warmEnd;
      done.add(pool.submit(() -> one(rec, scheduled, isMeasured)));
    }
    awaitAll(done, pool);
    return rec;
  }

  private void one(Recorder rec, long scheduled, boolean measured) {
    rec.sent();
    E2bRest.Answer a = api.create(template, SANDBOX_TIMEOUT_SECONDS);
    rec.create(a, scheduled, System.nanoTime(), measured);
    if (deleteAfter && a.ok() && a.sandboxId() != null) {
      long t0 = System.nanoTime();
      E2bRest.Answer d = api.delete(a.sandboxId());
      rec.delete(d, (System.nanoTime() - t0) / 1000);
    }
  }

  private static void awaitAll(List<Future<?>> done, ExecutorService pool)
      throws InterruptedException {
    pool.shutdown();
    if (!pool.awaitTermination(15, TimeUnit.MINUTES)) {
      pool.shutdownNow();
      throw new IllegalStateException("load did not finish within 15 minutes");
    }
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("a load worker failed", e.getCause());
      }
    }
  }
}
