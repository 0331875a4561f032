package io.openkruise.agents.manager.routing;

import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.ErrorBody;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;

/**
 * Mounts the classification in front of every other route on the shared listener, and a last route
 * that answers unknown paths with E2B JSON instead of an HTML page.
 */
@ApplicationScoped
public class TrafficRoutes {

  /** Context key: the request was rerouted from the private API prefix; it stays an API call. */
  private static final String API_REROUTED = "kruise.api-rerouted";

  private final SandboxTrafficHandler sandboxes;
  private final SandboxCache cache;

  TrafficRoutes(SandboxTrafficHandler sandboxes, SandboxCache cache) {
    this.sandboxes = sandboxes;
    this.cache = cache;
  }

  void install(@Observes Router router) {
    router.route().order(Integer.MIN_VALUE).handler(this::classify);
    router.route().order(Integer.MAX_VALUE).handler(TrafficRoutes::notFound);
  }

  private void classify(RoutingContext rc) {
    if (rc.get(API_REROUTED) != null) {
      rc.next();
      return;
    }
    var req = rc.request();
    TrafficRouter.Route route =
        TrafficRouter.classify(
            req.host(),
            req.path(),
            req.getHeader("E2b-Sandbox-Id"),
            req.getHeader("E2b-Sandbox-Port"));
    if (route instanceof TrafficRouter.Api api && api.path().equals(req.path())) {
      Optional<TrafficRouter.SandboxTraffic> byToken =
          TrafficRouter.byAccessToken(
              req.path(), req.getHeader("X-Access-Token"), cache::sandboxIdByAccessToken);
      if (byToken.isPresent()) {
        route = byToken.get();
      }
    }
    if (route instanceof TrafficRouter.Api api) {
      if (api.path().equals(req.path())) {
        rc.next();
      } else {
        // Private protocol: the API is the same, only mounted under /kruise/api.
        String query = req.query();
        rc.put(API_REROUTED, Boolean.TRUE);
        rc.reroute(query == null ? api.path() : api.path() + "?" + query);
      }
    } else if (route instanceof TrafficRouter.SandboxTraffic target) {
      sandboxes.handle(rc, target);
    } else if (route instanceof TrafficRouter.Malformed bad) {
      error(rc, 400, bad.reason());
    }
  }

  private static void notFound(RoutingContext rc) {
    error(rc, 404, "no route for " + rc.request().method() + " " + rc.request().path());
  }

  static void error(RoutingContext rc, int code, String message) {
    rc.response()
        .setStatusCode(code)
        .putHeader("Content-Type", "application/json")
        .end(ErrorBody.json(code, message));
  }
}
