package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.claim.BatchClaim;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * The create path's claim: passes of the shared {@link BatchClaim} over the cached pool until one
 * wins, the pool is empty and creating is allowed, or the claim timeout runs out.
 */
final class PoolClaims {

  private static final Logger LOG = Logger.getLogger(PoolClaims.class);

  /**
   * What the claim gave: the sandbox, the 409s lost on the way, whether it was created, and the
   * passes over the cached pool it took (more than one: the cache showed nothing claimable yet).
   */
  record Claimed(Sandbox sandbox, int conflicts, boolean created, int passes) {}

  private final SandboxCache cache;
  private final BatchClaim batch;
  private final ManagerConfig.E2b settings;
  private final Clock clock;
  private final ClaimMetrics metrics;

  PoolClaims(
      KubernetesClient client,
      SandboxCache cache,
      SandboxClaimer claimer,
      ManagerConfig.E2b settings,
      Clock clock,
      ClaimMetrics metrics) {
    this.cache = cache;
    this.batch =
        new BatchClaim(client, claimer, clock, () -> ThreadLocalRandom.current().nextLong());
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Claim passes until one wins, the pool is empty and creating is allowed, or time runs out. */
  Claimed claim(
      String template,
      List<SandboxSet> sets,
      ClaimRequest request,
      Extensions ext,
      ClientGone gone) {
    Set<String> namespaces = new HashSet<>();
    sets.forEach(s -> namespaces.add(s.getMetadata().getNamespace()));
    Duration timeout = ext.claimTimeout().orElse(settings.claimTimeout());
    Instant deadline = clock.instant().plus(timeout);
    int conflicts = 0;
    int passes = 0;
    while (true) {
      passes++;
      if (gone.happened()) {
        LOG.infof("client of the create hung up while waiting for the pool of %s", template);
        CacheWaits.checkClientStillThere(gone, "waiting for the pool");
      }
      List<Sandbox> pool =
          cache.pool(template).stream()
              .filter(s -> namespaces.contains(s.getMetadata().getNamespace()))
              .toList();
      BatchClaim.Outcome pass =
          batch.claim(
              () -> pool,
              request,
              1,
              ext.createOnNoStock(settings.createOnNoStock()) ? sets : List.of());
      conflicts += pass.conflicts();
      metrics.conflicts(pass.conflicts());
      if (!pass.claimed().isEmpty()) {
        return new Claimed(pass.claimed().get(0), conflicts, false, passes);
      }
      if (!pass.created().isEmpty()) {
        return new Claimed(pass.created().get(0), conflicts, true, passes);
      }
      if (!clock.instant().isBefore(deadline)) {
        throw E2bException.unavailable(
            "no available sandbox for template "
                + template
                + " within "
                + timeout.toSeconds()
                + "s; the pool is empty, try again later");
      }
      sleepJittered(settings.claimRetryInterval());
    }
  }

  private static void sleepJittered(Duration base) {
    long ms = base.toMillis();
    long jitter = Math.max(1, ms / 5);
    try {
      Thread.sleep(ms - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw E2bException.unavailable("interrupted while waiting for the pool");
    }
  }
}
