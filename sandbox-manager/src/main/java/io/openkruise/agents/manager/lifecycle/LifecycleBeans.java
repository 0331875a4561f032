package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Wires the lifecycle from the config mapping (the rest of the service: {@code ManagerBeans}). */
@Singleton
public class LifecycleBeans {

  private static final Logger LOG = Logger.getLogger(LifecycleBeans.class);

  @Produces
  @Singleton
  ClaimMetrics metrics(MeterRegistry registry) {
    return new ClaimMetrics(registry);
  }

  @Produces
  @Singleton
  SandboxService service(
      KubernetesClient client,
      SandboxCache cache,
      SandboxClaimer claimer,
      RuntimeClient runtime,
      ManagerConfig config,
      Clock clock,
      ClaimMetrics metrics,
      SandboxTokens tokens) {
    ManagerConfig.Quota quota = config.e2b().quota();
    return new SandboxService(
        client,
        cache,
        claimer,
        runtime,
        new CsiVolumes(client, config.systemNamespace(), config.e2b().csi().allowedDriverList()),
        config,
        clock,
        metrics,
        tokens,
        new RunningQuota(quota.maxRunningPerKey(), quota.maxRunningAdmin(), cache::ownedBy),
        EnvVarSeal.fromSandboxKey(config.security().requiredSandboxKey()));
  }

  /**
   * Before the beans (and the Kubernetes client) go: the init marks still queued are written, so a
   * rolled manager leaves no sandbox for the controller's probe.
   */
  void onStop(@Observes ShutdownEvent ev, SandboxService service) {
    service.close();
  }

  /** Eager start: informers synced and keys loaded before the first request. */
  void onStart(@Observes StartupEvent ev, SandboxService service, ApiKeyStore keys) {
    LOG.infof("sandbox-manager ready; domain=%s", service.config().e2b().domain());
  }
}
