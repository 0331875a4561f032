package io.openkruise.agents.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;

/**
 * The standard scenarios on one running system. Each sizes the warm pool first (untimed), then runs
 * its load while the pool is sampled, and collects what the API server's audit log and the
 * managers' create lines recorded in its window.
 */
final class Scenarios {

  static final String RAW_PATCH = "raw-patch";

  private static final Logger LOG = Logger.getLogger(Scenarios.class.getName());

  /** How long a pool may take to fill before a scenario gives up (--fill-minutes). */
  private final Duration fillTimeout;

  private final E2bRest api;
  private final Pool pool;
  private final KubernetesClient client;
  private final Path auditLog;
  private final ManagerLogs logs;
  private final String template;
  private final ProcessUsage processes;

  Scenarios(
      E2bRest api,
      Pool pool,
      KubernetesClient client,
      Path auditLog,
      ManagerLogs logs,
      String template,
      ProcessUsage processes,
      Duration fillTimeout) {
    this.api = api;
    this.pool = pool;
    this.client = client;
    this.auditLog = auditLog;
    this.logs = logs;
    this.template = template;
    this.processes = processes;
    this.fillTimeout = fillTimeout;
  }

  /** Serial merge-patches of a pool member: the floor a claim is compared with. */
  ScenarioResult rawPatch(int warmup, int count) throws InterruptedException {
    fill(1);
    Window w = Window.open(this);
    RawPatch.Result r = null;
    for (int attempt = 1; r == null; attempt++) {
      try {
        r = new RawPatch(client).run(pool.anyClaimable(), warmup, count);
      } catch (KubernetesClientException e) {
        // fill(1) may have just scaled a larger pool down: the member picked can be one removed.
        if (e.getCode() != 404 || attempt >= 5) {
          throw e;
        }
        Thread.sleep(1000);
      }
    }
    Map<String, Object> params = params("warmup", warmup, "count", count);
    params.put("conflictsSkipped", r.conflicts());
    return w.close(
        RAW_PATCH,
        "one JSON merge-PATCH of a Sandbox with resourceVersion, serial (fabric8, as the services)",
        params,
        r.latency(),
        null,
        null);
  }

  /** One create at a time, each from a warm pool (waits untimed for a claimable member). */
  ScenarioResult serial(int poolSize, int warmup, int count) throws InterruptedException {
    return underLoad(
        poolSize,
        api,
        load -> load.closed(1, warmup, count, () -> pool.awaitDepth(1, Duration.ofSeconds(60))),
        "serial",
        "closed loop, concurrency 1, warm pool hit each time; create, then delete (untimed)",
        params("pool", poolSize, "warmup", warmup, "count", count));
  }

  /** {@code n} creates at once against a pool of {@code n}. */
  ScenarioResult burst(int n) throws InterruptedException {
    return underLoad(
        n,
        api,
        load -> load.closed(n, 0, n, Load.Gate.NONE),
        "burst-" + n,
        n + " creates at once (one worker each) against a full pool of " + n,
        params("pool", n, "concurrency", n, "count", n));
  }

  /** Open loop at {@code rate}/s for {@code seconds} after 3 s of warm-up. */
  ScenarioResult sustained(int poolSize, double rate, int seconds) throws InterruptedException {
    return underLoad(
        poolSize,
        api,
        load -> load.open(rate, Duration.ofSeconds(3), Duration.ofSeconds(seconds)),
        "sustained-" + fmt(rate) + "/s",
        "open loop, "
            + fmt(rate)
            + " creates/s for "
            + seconds
            + " s (3 s warm-up), pool "
            + poolSize,
        params("pool", poolSize, "rate", rate, "seconds", seconds, "warmupSeconds", 3));
  }

  /** Claims the whole pool at once, then times the SandboxSet filling it again. */
  ScenarioResult drainRefill(int poolSize, int concurrency) throws InterruptedException {
    fill(poolSize);
    Window w = Window.open(this);
    Recorder rec = new Load(api, template, true).closed(concurrency, 0, poolSize, Load.Gate.NONE);
    long drained = System.nanoTime();
    Double refill =
        pool.awaitDepth(poolSize, fillTimeout) ? (System.nanoTime() - drained) / 1e9 : null;
    return w.close(
        "drain-refill-" + poolSize,
        "claims all "
            + poolSize
            + " at concurrency "
            + concurrency
            + ", then waits for the pool to be full again (refill s)",
        params("pool", poolSize, "concurrency", concurrency),
        rec,
        refill);
  }

  /** The same closed loop spread over the first {@code managers} replicas. */
  ScenarioResult replicas(int managers, int poolSize, int concurrency, int warmup, int count)
      throws InterruptedException {
    E2bRest limited = api.limitedTo(managers);
    return roundRobin(
        "replicas-" + limited.managerCount(), limited, poolSize, concurrency, warmup, count);
  }

  /**
   * A large pool under many clients (issue 20's target shape: pool of at least 1000, 64 clients,
   * round robin over every manager): closed loop, {@code count} creates after {@code warmup}.
   */
  ScenarioResult large(int poolSize, int concurrency, int warmup, int count)
      throws InterruptedException {
    return roundRobin(
        "pool-" + poolSize + "-c" + concurrency, api, poolSize, concurrency, warmup, count);
  }

  /** Seconds-long check for bin/test: every create answered 2xx, no ID handed out twice. */
  ScenarioResult smoke(int poolSize, int concurrency, int count) throws InterruptedException {
    return underLoad(
        poolSize,
        api,
        load -> load.closed(concurrency, 0, count, Load.Gate.NONE),
        "smoke",
        count
            + " creates at concurrency "
            + concurrency
            + " from a pool of "
            + poolSize
            + " (the rest created on no stock)",
        params("pool", poolSize, "concurrency", concurrency, "count", count));
  }

  /** A closed loop of {@code count} creates after {@code warmup}, round robin over {@code on}. */
  private ScenarioResult roundRobin(
      String name, E2bRest on, int poolSize, int concurrency, int warmup, int count)
      throws InterruptedException {
    return underLoad(
        poolSize,
        on,
        load -> load.closed(concurrency, warmup, count, Load.Gate.NONE),
        name,
        "closed loop, concurrency "
            + concurrency
            + ", round robin over "
            + on.managerCount()
            + " manager(s), pool "
            + poolSize,
        params(
            "managers",
            on.managerCount(),
            "pool",
            poolSize,
            "concurrency",
            concurrency,
            "warmup",
            warmup,
            "count",
            count));
  }

  /** What the create-load scenarios share: the pool filled, then one load run in a window. */
  private ScenarioResult underLoad(
      int poolSize,
      E2bRest on,
      LoadRun run,
      String name,
      String description,
      Map<String, Object> params)
      throws InterruptedException {
    fill(poolSize);
    Window w = Window.open(this);
    Recorder rec = run.on(new Load(on, template, true));
    return w.close(name, description, params, rec, null);
  }

  /** One run of a {@link Load}: closed or open loop. */
  @FunctionalInterface
  private interface LoadRun {
    Recorder on(Load load) throws InterruptedException;
  }

  private void fill(int size) throws InterruptedException {
    pool.scale(size);
    if (!pool.awaitDepth(size, fillTimeout)) {
      throw new IllegalStateException(
          "the pool did not reach "
              + size
              + " claimable sandboxes in "
              + fillTimeout
              + " (now "
              + pool.depth()
              + ")");
    }
    LOG.info("pool of " + template + " at " + size);
  }

  private static Map<String, Object> params(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((int) d) : String.valueOf(d);
  }

  /** A scenario's measuring window: timeline, audit and log marks. */
  private record Window(
      Scenarios s,
      Instant from,
      Map<Path, Long> marks,
      Map<String, ProcessUsage.Reading> usageFrom) {
    static Window open(Scenarios s) {
      s.pool.restartTimeline(System.nanoTime());
      return new Window(s, Instant.now(), s.logs.mark(), s.processes.read());
    }

    ScenarioResult close(
        String name, String description, Map<String, Object> params, Recorder rec, Double refill)
        throws InterruptedException {
      return close(name, description, params, rec.latency(), rec.counts(), refill);
    }

    ScenarioResult close(
        String name,
        String description,
        Map<String, Object> params,
        Histogram latency,
        Recorder.Counts counts,
        Double refill)
        throws InterruptedException {
      Instant to = Instant.now();
      Map<String, ProcessUsage.Usage> usage = ProcessUsage.between(usageFrom, s.processes.read());
      AuditCounts.Window audit = null;
      if (s.auditLog != null) {
        Thread.sleep(1500); // the API server writes its audit log from a background buffer
        if (Files.exists(s.auditLog)) {
          audit = AuditCounts.read(s.auditLog, from, to);
        }
      }
      return new ScenarioResult(
          name,
          description,
          params,
          latency,
          counts,
          s.pool.timeline(),
          audit,
          s.logs.stepsSince(marks),
          refill,
          usage);
    }
  }
}
