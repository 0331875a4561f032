package io.openkruise.agents.manager.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** One timer sample and, when enabled, one access-log line per proxied request. */
final class ProxyObservability {

  private static final Logger ACCESS = Logger.getLogger("io.openkruise.agents.proxy.access");

  private final MeterRegistry registry;
  private final boolean accessLog;

  /**
   * One timer per mode and outcome (a handful), kept so a request costs a map lookup instead of
   * building and registering a meter ID.
   */
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

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
    timers
        .computeIfAbsent(t.mode + " " + t.outcome, k -> timer(t.mode, t.outcome))
        .record(System.nanoTime() - t.started, TimeUnit.NANOSECONDS);
    if (accessLog) {
      logAccess(rc.request(), t, rc.response().getStatusCode());
    }
  }

  private Timer timer(String mode, String outcome) {
    return Timer.builder("kruise.manager.proxy.requests")
        .description("Sandbox data-plane requests by routing mode and outcome")
        .tag("mode", mode)
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Built by hand rather than with {@code infof}: a format string is parsed again for every line,
   * and this runs on the event loop for every proxied request.
   */
  private static void logAccess(HttpServerRequest req, ProxyTarget t, int status) {
    if (!ACCESS.isInfoEnabled()) {
      return;
    }
    StringBuilder line = new StringBuilder(160);
    line.append("sandbox=")
        .append(t.sandboxId)
        .append(" mode=")
        .append(t.mode)
        .append(' ')
        .append(req.method())
        .append(' ')
        .append(req.path())
        .append(" -> ")
        .append(t.ip == null ? "-" : t.ip)
        .append(':')
        .append(t.port)
        // The path only: a query may carry a signed-URL signature.
        .append(t.path == null ? "" : t.path)
        .append(" status=")
        .append(status)
        .append(" outcome=")
        .append(t.outcome);
    ACCESS.info(line);
  }
}
