package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Connect-on-traffic: traffic for a paused sandbox resumes it, as its owner, when the proxy allows
 * it (the global switch, on by default) and the sandbox asked for it at create (E2B's {@code
 * autoResume}, stored as {@code e2b.agents.kruise.io/auto-resume}) or its SandboxSet carries that
 * annotation.
 */
final class ConnectOnTraffic {

  private final Vertx vertx;
  private final SandboxCache cache;
  private final SandboxService service;
  private final boolean enabled;
  private final Duration resumeTimeout;

  /**
   * @param enabled the proxy's {@code connect-on-traffic} switch
   * @param resumeTimeout the timeout a resumed sandbox gets (the API's default)
   */
  ConnectOnTraffic(
      Vertx vertx,
      SandboxCache cache,
      SandboxService service,
      boolean enabled,
      Duration resumeTimeout) {
    this.vertx = vertx;
    this.cache = cache;
    this.service = service;
    this.enabled = enabled;
    this.resumeTimeout = resumeTimeout;
  }

  /** Whether traffic may resume this paused sandbox. */
  boolean applies(Sandbox s) {
    return enabled && SandboxView.autoResume(s, () -> cache.setsNamed(SandboxView.templateId(s)));
  }

  /** Resumes as the owner, off the event loop (bounded by the service's wait-ready timeout). */
  Future<Sandbox> resume(String sandboxId, String owner) {
    Caller caller = new Caller(owner, "connect-on-traffic", false);
    return vertx.executeBlocking(
        () -> service.connect(caller, sandboxId, resumeTimeout).sandbox(), false);
  }
}
