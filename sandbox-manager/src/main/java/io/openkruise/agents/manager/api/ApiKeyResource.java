package io.openkruise.agents.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.openkruise.agents.manager.keys.Caller;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** Key management in E2B's {@code /api-keys} shape; admin key only. */
@Path("/api-keys")
public class ApiKeyResource {

  private final ApiKeyStore keys;

  ApiKeyResource(ApiKeyStore keys) {
    this.keys = keys;
  }

  private static Caller admin(RoutingContext rc) {
    Caller c = AuthFilter.caller(rc);
    if (!c.admin()) {
      throw E2bException.forbidden("only the admin key may manage API keys");
    }
    return c;
  }

  @GET
  public Response list(RoutingContext rc) {
    admin(rc);
    return SandboxResource.json(200, keys.list());
  }

  @POST
  public Response create(String body, RoutingContext rc) {
    Caller caller = admin(rc);
    JsonNode node = Bodies.object(body);
    JsonNode name = node.get("name");
    if (name == null
        || !name.isTextual()
        || name.asText().isBlank()
        || name.asText().length() > 200) {
      throw E2bException.badRequest("name is required (1-200 characters)");
    }
    ApiKeyStore.Created created = keys.create(name.asText(), caller);
    Map<String, Object> view = created.stored().view();
    view.put("key", created.key());
    return SandboxResource.json(201, view);
  }

  @DELETE
  @Path("{id}")
  public Response delete(@PathParam("id") String id, RoutingContext rc) {
    admin(rc);
    keys.delete(id);
    return Response.noContent().build();
  }
}
