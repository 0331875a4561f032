package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether an admitted sandbox whose backend did not answer turns out to be killed, expired or
 * paused within a short grace, as this replica's cache sees it. A kill deletes the pod as soon as
 * the API server has it, so the pod can be gone before the cache's watch event arrives; waiting for
 * that event (no polling, no API read) tells a killed sandbox from a broken one.
 */
record GoneWithin(SandboxCache cache, Clock clock, Duration grace) {

  /** Completes with true once the cache shows the target's sandbox gone, false after the grace. */
  Future<Boolean> check(ProxyTarget t) {
    Sandbox s = t.sandbox;
    if (s == null) {
      return Future.succeededFuture(false);
    }
    String namespace = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    CompletableFuture<Sandbox> change =
        cache.await(
            namespace, name, now -> OpenStreams.gone(SandboxState.of(now, clock.instant())));
    if (cache.cached(namespace, name).isEmpty()) {
      // Deleted before the wait began: no event will come for it.
      change.cancel(false);
      return Future.succeededFuture(true);
    }
    CompletableFuture<Boolean> gone =
        change
            // The timeout completes the wait, which removes it from the cache's waiters.
            .orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS)
            .handle((now, e) -> e == null || deleted(e));
    Context context = Vertx.currentContext();
    return context == null
        ? Future.fromCompletionStage(gone)
        : Future.fromCompletionStage(gone, context);
  }

  private static boolean deleted(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof SandboxCache.SandboxGoneException;
  }
}
