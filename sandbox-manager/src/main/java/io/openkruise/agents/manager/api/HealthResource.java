package io.openkruise.agents.manager.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** E2B's {@code GET /health}: plain 200, no key needed. */
@Path("/health")
public class HealthResource {

  @GET
  public Response health() {
    return Response.ok("OK", MediaType.TEXT_PLAIN_TYPE).build();
  }
}
