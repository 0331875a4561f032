package io.openkruise.agents.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.keys.Teams;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Key management in E2B's {@code /api-keys} shape (admin key only), with the newest original's
 * {@code teamName}: a key scoped to one namespace.
 */
@Path("/api-keys")
public class ApiKeyResource {

  private final ApiKeyStore keys;
  private final KubernetesClient client;
  private final ManagerConfig config;

  ApiKeyResource(ApiKeyStore keys, KubernetesClient client, ManagerConfig config) {
    this.keys = keys;
    this.client = client;
    this.config = config;
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
    ApiKeyStore.Created created = keys.create(name.asText(), caller, team(node.get("teamName")));
    Map<String, Object> view = created.stored().view();
    view.put("key", created.key());
    return SandboxResource.json(201, view);
  }

  /**
   * The namespace a new key is scoped to, or null (no {@code teamName}: every served namespace).
   * 400 naming it when it is not a namespace name, not served, or does not exist.
   */
  private String team(JsonNode teamName) {
    if (teamName == null || teamName.isNull()) {
      return null;
    }
    if (!teamName.isTextual()) {
      throw E2bException.badRequest("teamName must be a string");
    }
    String team = teamName.asText();
    if (team.isEmpty()) {
      return null;
    }
    if (!Teams.validNamespaceName(team)) {
      throw E2bException.badRequest(
          "teamName " + team + " is not a valid namespace name (a team is a namespace)");
    }
    Optional<List<String>> served = config.servedNamespaces().filter(l -> !l.isEmpty());
    if (served.isPresent()) {
      // The operator listed what exists and is served; nothing is read cluster-wide then.
      if (!served.get().contains(team)) {
        throw E2bException.badRequest("teamName " + team + ": namespace is not served");
      }
    } else if (client.namespaces().withName(team).get() == null) {
      throw E2bException.badRequest("teamName " + team + ": namespace does not exist");
    }
    return team;
  }

  @DELETE
  @Path("{id}")
  public Response delete(@PathParam("id") String id, RoutingContext rc) {
    admin(rc);
    keys.delete(id);
    return Response.noContent().build();
  }
}
