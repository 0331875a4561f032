package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;

/**
 * One guarded merge patch of a claimed sandbox (see {@link GuardedPatch}): it carries the version
 * it was planned on, so a concurrent pause, resume, kill or deadline write on another replica is
 * never silently overwritten; then read-your-writes on this replica.
 */
final class GuardedWrites {

  private final GuardedPatch guarded;
  private final CacheWaits waits;

  GuardedWrites(KubernetesClient client, CacheWaits waits) {
    this.guarded = new GuardedPatch(client);
    this.waits = waits;
  }

  Sandbox write(Sandbox s, GuardedPatch.Plan plan) {
    GuardedPatch.Result r = guarded.apply(s, plan);
    if (r.written()) {
      waits.awaitCachedVersion(r.before(), r.after());
    }
    return r.after();
  }
}
