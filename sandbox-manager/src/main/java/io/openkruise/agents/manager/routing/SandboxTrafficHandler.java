package io.openkruise.agents.manager.routing;

import io.vertx.ext.web.RoutingContext;

/**
 * The data-plane seam: requests classified as sandbox traffic go here. The proxy issue supplies the
 * real implementation as a CDI bean; until then {@link ProxyNotImplemented} answers 502.
 */
public interface SandboxTrafficHandler {

  void handle(RoutingContext rc, TrafficRouter.SandboxTraffic target);
}
