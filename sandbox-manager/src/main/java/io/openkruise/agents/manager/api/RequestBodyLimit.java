package io.openkruise.agents.manager.api;

import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.ErrorBody;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Limits request bodies of the E2B API (create bodies are small JSON) with an E2B-shaped 413. It
 * runs right after the traffic classification, which hands sandbox traffic straight to the proxy
 * and only lets API requests through: file uploads into sandboxes are never limited here. Bodies
 * without a Content-Length are counted while read by Quarkus ({@code
 * quarkus.http.limits.max-body-size}, set to the same value), which the proxy bypasses for the same
 * reason.
 */
@ApplicationScoped
public class RequestBodyLimit {

  private final long limit;

  RequestBodyLimit(ManagerConfig config) {
    this.limit = config.e2b().maxRequestBody().asLongValue();
  }

  void install(@Observes Router router) {
    // Directly after TrafficRoutes' classification (Integer.MIN_VALUE).
    router.route().order(Integer.MIN_VALUE + 1).handler(this::check);
  }

  private void check(RoutingContext rc) {
    String length = rc.request().getHeader("Content-Length");
    long n;
    try {
      n = length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      n = -1; // the HTTP codec refuses malformed lengths itself
    }
    if (n > limit) {
      rc.response()
          .setStatusCode(413)
          .putHeader("Content-Type", "application/json")
          .putHeader("Connection", "close")
          .end(ErrorBody.json(413, "request body larger than " + limit + " bytes"));
      return;
    }
    rc.next();
  }
}
