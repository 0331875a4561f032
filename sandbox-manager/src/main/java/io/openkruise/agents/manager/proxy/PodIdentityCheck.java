package io.openkruise.agents.manager.proxy;

import io.fabric8.kubernetes.api.model.Pod;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxPodCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@link PodIdentity} against this replica's pod cache; when the cache disagrees with the Sandbox
 * (it may lag a moment behind a resume's new pod), one live read off the event loop decides.
 * Without a pod cache (turned off by {@code kruise.proxy.verify-pod-identity=false}) every sandbox
 * passes.
 */
final class PodIdentityCheck {

  private static final Logger LOG = Logger.getLogger(PodIdentityCheck.class);

  private final Vertx vertx;
  private final Optional<SandboxPodCache> pods;

  PodIdentityCheck(Vertx vertx, Optional<SandboxPodCache> pods) {
    this.vertx = vertx;
    this.pods = pods;
  }

  /** True when the sandbox's IP may be dialled. Completes on the caller's context. */
  Future<Boolean> verify(Sandbox s) {
    if (pods.isEmpty()) {
      return Future.succeededFuture(true);
    }
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    Optional<Pod> cached = pods.get().cached(ns, name);
    if (PodIdentity.check(s, cached).same()) {
      return Future.succeededFuture(true);
    }
    return vertx
        .executeBlocking(() -> PodIdentity.check(s, pods.get().live(ns, name)), false)
        .map(
            v -> {
              if (!v.same()) {
                LOG.warnf("not dialling sandbox %s/%s: %s", ns, name, v.reason());
              }
              return v.same();
            })
        .recover(
            err -> {
              LOG.warnf("pod check of sandbox %s/%s failed: %s", ns, name, err.getMessage());
              return Future.succeededFuture(false);
            });
  }
}
