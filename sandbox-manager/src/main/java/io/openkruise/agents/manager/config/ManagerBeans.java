package io.openkruise.agents.manager.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.cache.SandboxPodCache;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.openkruise.agents.manager.guard.LiveReadGuard;
import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.openkruise.agents.manager.keys.ApiKeys;
import io.openkruise.agents.manager.runtime.MetricsReader;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import io.openkruise.agents.service.health.EffectiveSettings;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Wires the plain-Java collaborators outside the lifecycle (the lifecycle's are in {@code
 * LifecycleBeans}) (they take everything through constructors, so tests can run two "replicas" side
 * by side) and starts the informers before the port opens.
 */
@Singleton
public class ManagerBeans {

  private static final Logger LOG = Logger.getLogger(ManagerBeans.class);

  @Produces
  @Singleton
  @DefaultBean
  Clock clock() {
    return Clock.systemUTC();
  }

  /** What the readiness check "configuration" shows. */
  @Produces
  @Singleton
  EffectiveSettings effectiveSettings(ManagerConfig config) {
    return () ->
        Map.of(
            "domain", config.e2b().domain(),
            "systemNamespace", config.systemNamespace(),
            "servedNamespaces", config.servedNamespaces().map(String::valueOf).orElse("*"));
  }

  @Produces
  @Singleton
  SandboxTokens sandboxTokens(SandboxSecrets secrets) {
    return new SandboxTokens(secrets);
  }

  @Produces
  @Singleton
  LiveReadGuard liveReads(ManagerConfig config, MeterRegistry registry) {
    ManagerConfig.Proxy p = config.proxy();
    return new LiveReadGuard(
        new LiveReadGuard.Settings(
            p.negativeCacheSize(), p.negativeCacheTtl(), p.liveReadBurst(), p.liveReadsPerSecond()),
        registry,
        System::nanoTime);
  }

  @Produces
  @Singleton
  FailedAuthLimiter failedAuth(ManagerConfig config, MeterRegistry registry) {
    ManagerConfig.Auth a = config.e2b().auth();
    return new FailedAuthLimiter(
        new FailedAuthLimiter.Settings(a.failedBurst(), a.failedPerSecond(), a.failedMaxClients()),
        registry,
        System::nanoTime);
  }

  @Produces
  @Singleton
  SandboxCache cache(
      KubernetesClient client,
      ManagerConfig config,
      SandboxTokens tokens,
      LiveReadGuard liveReads) {
    SandboxCache cache = new SandboxCache(client, config.servedNamespaces(), tokens, liveReads);
    cache.start(Duration.ofSeconds(60));
    return cache;
  }

  void closeCache(@Disposes SandboxCache cache) {
    cache.close();
  }

  /** Sandbox pods, for the proxy's pod identity check; not started when that check is off. */
  @Produces
  @Singleton
  SandboxPodCache pods(KubernetesClient client, ManagerConfig config) {
    SandboxPodCache pods = new SandboxPodCache(client, config.servedNamespaces());
    if (config.proxy().verifyPodIdentity()) {
      pods.start(Duration.ofSeconds(60));
    }
    return pods;
  }

  void closePods(@Disposes SandboxPodCache pods) {
    pods.close();
  }

  @Produces
  @Singleton
  ApiKeyStore keys(KubernetesClient client, ManagerConfig config, Clock clock) {
    String admin = config.e2b().adminApiKey().filter(k -> !k.isBlank()).orElse(null);
    if (admin == null) {
      if (LaunchMode.current() == LaunchMode.NORMAL && config.e2b().auth().enabled()) {
        throw new IllegalStateException(
            "kruise.e2b.admin-api-key (env E2B_ADMIN_API_KEY) is required when auth is enabled");
      }
      admin = ApiKeys.newKey();
      LOG.warnf(
          "no admin API key configured; generated one for this %s run: %s",
          LaunchMode.current().getDefaultProfile(), admin);
    } else if (!ApiKeys.wellFormed(admin)) {
      throw new IllegalStateException("kruise.e2b.admin-api-key must look like e2b_<hex>");
    }
    ApiKeyStore store =
        new ApiKeyStore(
            client, config.systemNamespace(), config.e2b().keySecretName(), admin, clock);
    store.start();
    return store;
  }

  void closeKeys(@Disposes ApiKeyStore keys) {
    keys.close();
  }

  @Produces
  @Singleton
  SandboxSecrets sandboxSecrets(ManagerConfig config) {
    return SandboxSecrets.fromKey(config.security().requiredSandboxKey());
  }

  /** Fails the start, not the first sandbox, when the sandbox key is missing or too short. */
  void checkSandboxKey(@Observes StartupEvent start, SandboxSecrets secrets) {}

  /**
   * Starts the pod cache at startup: created lazily, it would start (and block for its sync) on the
   * event loop of the first proxied request, which its own watch needs.
   */
  void startPods(@Observes StartupEvent start, SandboxPodCache pods) {}

  @Produces
  @Singleton
  SandboxClaimer claimer(KubernetesClient client, Clock clock) {
    return new SandboxClaimer(client, clock, new SecureRandom());
  }

  @Produces
  @Singleton
  RuntimeClient runtime(ManagerConfig config, SandboxSecrets secrets) {
    ManagerConfig.Runtime r = config.runtime();
    return new RuntimeClient(
        r.port(), r.initAttempts(), r.initFirstBackoff(), r.requestTimeout(), secrets);
  }

  @Produces
  @Singleton
  MetricsReader metricsReader(RuntimeClient runtime) {
    return new MetricsReader(runtime);
  }
}
