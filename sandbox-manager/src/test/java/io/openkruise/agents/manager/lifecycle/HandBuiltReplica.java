package io.openkruise.agents.manager.lifecycle;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.guard.LiveReadGuard;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Sandbox-manager replicas wired by hand (no Quarkus), for tests that need several replicas or a
 * replica with a frozen cache: each its own informer cache and lifecycle service on a client. A
 * test registers one instance as an extension field; what it started is closed after each test.
 */
final class HandBuiltReplica implements AfterEachCallback {

  static final SandboxSecrets SECRETS = SandboxSecrets.fromKey("k".repeat(32));

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    // Last started, first closed: a service before the cache it reads.
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    closeables.clear();
  }

  /** Closed after the test. */
  <T extends AutoCloseable> T closedAfter(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** A replica with its own started cache on {@code client}; both closed after the test. */
  SandboxService replica(KubernetesClient client, ManagerConfig settings, MeterRegistry registry) {
    return closedAfter(
        service(client, closedAfter(startedCache(client, registry)), settings, registry));
  }

  /**
   * A cache that saw sandbox {@code ns/name} once and then nothing more (informers closed after the
   * first sync): a watch that lags without end.
   */
  SandboxCache frozenCacheHolding(KubernetesClient client, String ns, String name) {
    SandboxCache cache = closedAfter(startedCache(client, new SimpleMeterRegistry()));
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.cached(ns, name).isPresent());
    cache.close();
    return cache;
  }

  /** A started cache over all namespaces, with a generous live-read guard. */
  static SandboxCache startedCache(KubernetesClient client, MeterRegistry registry) {
    SandboxCache cache =
        new SandboxCache(
            client,
            Optional.empty(),
            new SandboxTokens(SECRETS),
            new LiveReadGuard(
                new LiveReadGuard.Settings(100, Duration.ofSeconds(10), 10, 10),
                registry,
                System::nanoTime));
    cache.start(Duration.ofSeconds(30));
    return cache;
  }

  /**
   * The lifecycle service over {@code cache}, without quotas and with a throw-away env seal;
   * runtime calls get one quick attempt.
   */
  static SandboxService service(
      KubernetesClient client, SandboxCache cache, ManagerConfig settings, MeterRegistry registry) {
    return new SandboxService(
        client,
        cache,
        new SandboxClaimer(client, Clock.systemUTC(), new SecureRandom()),
        new RuntimeClient(49983, 1, Duration.ofMillis(10), Duration.ofSeconds(1), SECRETS),
        new CsiVolumes(client, "sandbox-system", List.of()),
        settings,
        Clock.systemUTC(),
        new ClaimMetrics(registry),
        new SandboxTokens(SECRETS),
        RunningQuota.unlimited(),
        EnvVarSeal.random());
  }
}
