package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.support.Fixtures;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Back-pressure on read-your-writes waits under a watch that lags without end (the replica's
 * informers closed after the first sync, so nothing it writes ever shows): at most the budget of
 * writers wait at once, the rest answer at once, and an event loop never waits. The unbounded
 * control shows the fault the budget removes: every writer holds a thread.
 */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class CacheSettleBudgetTest {

  static final int WRITERS = 40;

  KubernetesClient client;
  @RegisterExtension final HandBuiltReplica replicas = new HandBuiltReplica();

  /** A claimed Sandbox in {@code ns}, created on the mock API server. */
  private Sandbox claimed(String ns) {
    return client.resource(Fixtures.claimed(ns, "sbx", "tpl-bp", "owner", "127.0.0.1")).create();
  }

  private SandboxCache frozenCacheHolding(Sandbox s) {
    return replicas.frozenCacheHolding(
        client, s.getMetadata().getNamespace(), s.getMetadata().getName());
  }

  /** The most waits pending at once while WRITERS threads each wait for a write never seen. */
  private int peakPendingWaits(String ns, int budget) throws Exception {
    Sandbox s = claimed(ns);
    SandboxCache cache = frozenCacheHolding(s);
    CacheWaits waits = new CacheWaits(cache, budget, new ClaimMetrics(new SimpleMeterRegistry()));
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      CyclicBarrier start = new CyclicBarrier(WRITERS);
      List<Future<?>> writers = new ArrayList<>();
      for (int i = 0; i < WRITERS; i++) {
        writers.add(
            pool.submit(
                () -> {
                  start.await();
                  waits.awaitCached(s, c -> false);
                  return null;
                }));
      }
      int peak = 0;
      while (!writers.stream().allMatch(Future::isDone)) {
        peak = Math.max(peak, cache.pendingWaits());
        Thread.sleep(2);
      }
      for (Future<?> w : writers) {
        w.get(); // every writer came back
      }
      assertThat(cache.pendingWaits()).isZero();
      return peak;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void atMostTheBudgetOfWritersWaitForALaggingCache() throws Exception {
    assertThat(peakPendingWaits("bp-bounded", 4)).isBetween(1, 4);
  }

  @Test
  void withoutABudgetEveryWriterWaits() throws Exception {
    assertThat(peakPendingWaits("bp-unbounded", Integer.MAX_VALUE)).isGreaterThan(4);
  }

  @Test
  void settleWaitsAreCountedByHowTheyEnded() throws Exception {
    Sandbox s = claimed("bp-count");
    SandboxCache cache = frozenCacheHolding(s);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new CacheWaits(cache, 0, new ClaimMetrics(registry)).awaitCached(s, c -> false);
    new CacheWaits(cache, 1, new ClaimMetrics(registry)).awaitCached(s, c -> true);
    assertThat(registry.counter("kruise.manager.cache.settles", "outcome", "over_budget").count())
        .isEqualTo(1);
    assertThat(registry.counter("kruise.manager.cache.settles", "outcome", "seen").count())
        .isEqualTo(1);
    assertThat(registry.get("kruise.manager.cache.settles.running").gauge().value()).isZero();
  }

  @Test
  void anEventLoopNeverWaits() throws Exception {
    Sandbox s = claimed("bp-loop");
    SandboxCache cache = frozenCacheHolding(s);
    CacheWaits waits = new CacheWaits(cache, 16, new ClaimMetrics(new SimpleMeterRegistry()));
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<Integer> pendingDuring = new CompletableFuture<>();
      vertx.runOnContext(
          v -> {
            waits.awaitCached(s, c -> false);
            pendingDuring.complete(cache.pendingWaits());
          });
      assertThat(pendingDuring.get()).isZero();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
