package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Waits on this replica's informer cache: for a sandbox to reach a state (bounded, an E2B error
 * when it does not), and for this replica's own writes to show (read-your-writes, best effort).
 */
final class CacheWaits {

  /** How long a write waits for this replica's cache to show it (read-your-writes). */
  private static final Duration CACHE_SETTLE_TIMEOUT = Duration.ofSeconds(5);

  private final SandboxCache cache;

  /**
   * Read-your-writes waits this replica runs at once. When the watch lags, every write would
   * otherwise hold a worker thread for the full settle timeout, and the pool that also serves the
   * proxy's live lookups fills with writers waiting on the same lag; past the budget a write
   * answers at once (the wait is best effort anyway).
   */
  private final Semaphore settleBudget;

  private final ClaimMetrics metrics;

  CacheWaits(SandboxCache cache, int settleBudget, ClaimMetrics metrics) {
    this.cache = cache;
    int budget = Math.max(0, settleBudget);
    this.settleBudget = new Semaphore(budget);
    this.metrics = metrics;
    Semaphore permits = this.settleBudget;
    metrics.cacheSettlesRunning(() -> budget - permits.availablePermits());
  }

  SandboxCache cache() {
    return cache;
  }

  Sandbox await(Sandbox s, Predicate<Sandbox> condition, Duration timeout, String what) {
    return await(s, condition, timeout, what, ClientGone.never());
  }

  /** Waits for the condition in this replica's cache; ends early when the client hangs up. */
  Sandbox await(
      Sandbox s, Predicate<Sandbox> condition, Duration timeout, String what, ClientGone gone) {
    String id = SandboxView.id(s);
    CompletableFuture<Sandbox> f =
        cache.await(s.getMetadata().getNamespace(), s.getMetadata().getName(), condition);
    gone.future().thenRun(() -> f.cancel(false));
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (CancellationException e) {
      checkClientStillThere(gone, "waiting for the sandbox to " + what);
      throw e;
    } catch (TimeoutException e) {
      f.cancel(false);
      throw E2bException.timeout(
          "sandbox " + id + " did not " + what + " within " + timeout.toSeconds() + "s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SandboxCache.SandboxGoneException) {
        throw E2bException.sandboxNotFound(id);
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw E2bException.unavailable("interrupted");
    }
  }

  /** 499 (nginx's "client closed request"): nobody reads it, it only ends the create. */
  static void checkClientStillThere(ClientGone gone, String while_) {
    if (gone.happened()) {
      throw new E2bException(499, "client closed the request while " + while_);
    }
  }

  /**
   * Read-your-writes after a patch: waits (bounded) until the cache holds the patched version or a
   * later one. Not merely "a version other than before": a concurrent controller status write can
   * reach the cache first and still lack this patch (seen as set_timeout then get_info showing the
   * old end).
   */
  void awaitCachedVersion(Sandbox before, Sandbox patched) {
    String written = patched.getMetadata().getResourceVersion();
    awaitCached(before, c -> atLeast(c.getMetadata().getResourceVersion(), written));
  }

  /**
   * resourceVersions are opaque to clients, but every API server we run on (etcd-backed) issues
   * increasing integers; comparing them lets a waiter that registers after a later write stop at
   * once. Anything non-numeric falls back to equality.
   */
  static boolean atLeast(String version, String written) {
    if (version == null || written == null || version.equals(written)) {
      return Objects.equals(version, written);
    }
    try {
      return Long.parseLong(version) > Long.parseLong(written);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Read-your-writes on this replica: waits briefly (bounded) until the cached copy of {@code s}
   * satisfies {@code seen}, or it is gone. A timeout ends the wait; it is no error.
   */
  void awaitCached(Sandbox s, Predicate<Sandbox> seen) {
    // Never on an event loop, and only within this replica's budget.
    if (Context.isOnEventLoopThread()) {
      metrics.cacheSettle("event_loop");
      return;
    }
    if (!settleBudget.tryAcquire()) {
      metrics.cacheSettle("over_budget");
      return;
    }
    try {
      metrics.cacheSettle(settle(s, seen));
    } finally {
      settleBudget.release();
    }
  }

  /** One bounded wait; says how it ended (the outcome tag of the settle counter). */
  private String settle(Sandbox s, Predicate<Sandbox> seen) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    CompletableFuture<Sandbox> f = cache.await(ns, name, seen);
    if (cache.cached(ns, name).isEmpty()) {
      f.cancel(false); // already gone from the cache
      return "not_cached";
    }
    try {
      f.get(CACHE_SETTLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return "seen";
    } catch (TimeoutException e) {
      f.cancel(false);
      return "timed_out";
    } catch (ExecutionException e) {
      f.cancel(false);
      return "gone";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      return "interrupted";
    }
  }
}
