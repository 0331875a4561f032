package io.openkruise.agents.manager.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.lifecycle.SandboxEgressPolicies;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.openkruise.agents.manager.network.NetworkRules;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * E2B {@code PUT /sandboxes/{id}/network} ({@code Sandbox.update_network} / {@code updateNetwork}):
 * replaces the sandbox's egress rules, 204 once its NetworkPolicy says so.
 */
@Path("/")
public class SandboxNetworkResource {

  private final SandboxService service;
  private final SandboxEgressPolicies policies;

  SandboxNetworkResource(SandboxService service, KubernetesClient client) {
    this.service = service;
    this.policies = new SandboxEgressPolicies(client, service.config().e2b().network());
  }

  @PUT
  @Path("sandboxes/{id}/network")
  public Response update(@PathParam("id") String id, String body, RoutingContext rc) {
    NetworkRules rules = NetworkRules.fromUpdate(Bodies.object(body));
    Sandbox sandbox = service.get(AuthFilter.caller(rc), id);
    policies.update(sandbox, rules);
    return Response.noContent().build();
  }
}
