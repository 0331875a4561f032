package io.openkruise.agents.manager.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.jboss.logging.Logger;

/** One timer sample and, when enabled, one access-log line per proxied request. */
final class ProxyObservability {

  private static final Logger ACCESS = Logger.getLogger("io.openkruise.agents.proxy.access");

  private final MeterRegistry registry;
  private final boolean accessLog;

  ProxyObservability(MeterRegistry registry, boolean accessLog) {
    this.registry = registry;
    this.accessLog = accessLog;
  }

  /** Records {@code t} once, however often it is called (end handler and tunnel both call it). */
  void record(RoutingContext rc, ProxyTarget t) {
    if (t.recorded) {
      return;
    }
    t.recorded = true;
    Timer.builder("kruise.manager.proxy.requests")
        .description("Sandbox data-plane requests by routing mode and outcome")
        .tag("mode", t.mode)
        .tag("outcome", t.outcome)
        .register(registry)
        .record(Duration.ofNanos(System.nanoTime() - t.started));
    if (accessLog) {
      logAccess(rc.request(), t, rc.response().getStatusCode());
    }
  }

  private static void logAccess(HttpServerRequest req, ProxyTarget t, int status) {
    ACCESS.infof(
        "sandbox=%s mode=%s %s %s -> %s:%d%s status=%d outcome=%s",
        t.sandboxId,
        t.mode,
        req.method(),
        req.path(),
        t.ip == null ? "-" : t.ip,
        t.port,
        // The path only: a query may carry a signed-URL signature.
        t.path == null ? "" : t.path,
        status,
        t.outcome);
  }
}
