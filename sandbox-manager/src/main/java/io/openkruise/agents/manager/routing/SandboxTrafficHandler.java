package io.openkruise.agents.manager.routing;

import io.vertx.ext.web.RoutingContext;

/**
 * The data-plane seam: requests classified as sandbox traffic go here. The proxy package implements
 * it; routing knows nothing of the proxy.
 */
public interface SandboxTrafficHandler {

  void handle(RoutingContext rc, TrafficRouter.SandboxTraffic target);
}
