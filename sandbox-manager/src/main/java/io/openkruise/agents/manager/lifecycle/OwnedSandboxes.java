package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxOwners;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.ListQuery;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** A caller's view of the claimed sandboxes: lookup (another key's is 404), list and kill. */
final class OwnedSandboxes {

  private static final Logger LOG = Logger.getLogger(OwnedSandboxes.class);

  private final KubernetesClient client;
  private final SandboxCache cache;
  private final CacheWaits waits;
  private final Clock clock;

  OwnedSandboxes(KubernetesClient client, SandboxCache cache, CacheWaits waits, Clock clock) {
    this.client = client;
    this.cache = cache;
    this.waits = waits;
    this.clock = clock;
  }

  /** A sandbox the caller owns and that is running or paused; anything else is 404. */
  Sandbox get(Caller caller, String id) {
    Sandbox s = owned(caller, id);
    SandboxState state = state(s);
    if (state != SandboxState.RUNNING && state != SandboxState.PAUSED) {
      throw E2bException.sandboxNotFound(id);
    }
    return s;
  }

  /** A sandbox the caller owns, in any state; another key's (or none) is 404. */
  private Sandbox owned(Caller caller, String id) {
    Sandbox s = cache.claimed(id).orElseThrow(() -> E2bException.sandboxNotFound(id));
    if (!SandboxOwners.ownedBy(s, caller.id()) || !caller.sees(s.getMetadata().getNamespace())) {
      throw E2bException.sandboxNotFound(id);
    }
    return s;
  }

  SandboxState state(Sandbox s) {
    return SandboxState.of(s, clock.instant());
  }

  /** The caller's running and paused sandboxes, filtered and paged. */
  ListQuery.Page<Sandbox> list(Caller caller, ListQuery query) {
    List<ListQuery.Item<Sandbox>> items = new ArrayList<>();
    for (Sandbox s : cache.ownedBy(caller.id())) {
      Map<String, String> labels = s.getMetadata().getLabels();
      if (labels == null
          || !"true".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))
          || !caller.sees(s.getMetadata().getNamespace())) {
        continue;
      }
      items.add(
          new ListQuery.Item<>(
              s,
              SandboxView.id(s),
              SandboxView.startedAt(s),
              state(s),
              SandboxView.metadata(s),
              SandboxView.templateId(s)));
    }
    return query.apply(items);
  }

  /**
   * Deletes a sandbox the caller owns. Unlike get, a dead one counts too (its pod failed or
   * vanished): it is invisible to get, list and the proxy, and kill is how its owner removes it now
   * rather than at its shutdown time. One already being deleted is 404.
   */
  void kill(Caller caller, String id) {
    Sandbox s = owned(caller, id);
    if (s.getMetadata().getDeletionTimestamp() != null) {
      throw E2bException.sandboxNotFound(id);
    }
    try {
      delete(client, s);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw E2bException.sandboxNotFound(id);
      }
      throw e;
    }
    // Read-your-writes: wait for the delete itself (deletionTimestamp, or gone), not for any newer
    // version; a controller status write landing between our read and the delete would otherwise
    // end the wait while list still shows the sandbox running.
    waits.awaitCached(s, c -> c.getMetadata().getDeletionTimestamp() != null);
    LOG.infof("killed sandbox=%s owner=%s", id, caller.id());
  }

  /** Deletes the sandbox; the controller-manager removes what it owned. */
  static void delete(KubernetesClient client, Sandbox s) {
    client
        .resources(Sandbox.class)
        .inNamespace(s.getMetadata().getNamespace())
        .withName(s.getMetadata().getName())
        .delete();
  }
}
