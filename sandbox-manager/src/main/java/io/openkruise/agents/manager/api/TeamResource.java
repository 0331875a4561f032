package io.openkruise.agents.manager.api;

import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** {@code GET /teams} in the newest original's shape: a team is a namespace. */
@Path("/teams")
public class TeamResource {

  private final ApiKeyStore keys;

  TeamResource(ApiKeyStore keys) {
    this.keys = keys;
  }

  @GET
  public Response list(RoutingContext rc) {
    return SandboxResource.json(200, keys.teams(AuthFilter.caller(rc)));
  }
}
