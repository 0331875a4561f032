package io.openkruise.agents.manager.routing;

import io.vertx.ext.web.RoutingContext;

/**
 * The data-plane seam: requests classified as sandbox traffic go here ({@code
 * io.openkruise.agents.manager.proxy.SandboxProxy}).
 */
public interface SandboxTrafficHandler {

  void handle(RoutingContext rc, TrafficRouter.SandboxTraffic target);
}
