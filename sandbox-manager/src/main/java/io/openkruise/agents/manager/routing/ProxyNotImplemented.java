package io.openkruise.agents.manager.routing;

import io.quarkus.arc.DefaultBean;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/** Placeholder data plane: E2B's proxy error shape, until the proxy issue lands. */
@ApplicationScoped
@DefaultBean
public class ProxyNotImplemented implements SandboxTrafficHandler {

  @Override
  public void handle(RoutingContext rc, TrafficRouter.SandboxTraffic target) {
    rc.response()
        .setStatusCode(502)
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("code", 502)
                .put("message", "sandbox proxy not implemented yet")
                .put("sandboxId", target.sandboxId())
                .encode());
  }
}
