package io.openkruise.agents.manager.api;

import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Templates are SandboxSet names; one template may span several namespaces. */
@Path("/templates")
public class TemplateResource {

  private final SandboxCache cache;
  private final SandboxService service;

  TemplateResource(SandboxCache cache, SandboxService service) {
    this.cache = cache;
    this.service = service;
  }

  @GET
  public Response list(RoutingContext rc) {
    Caller caller = AuthFilter.caller(rc);
    Map<String, List<SandboxSet>> byName = new TreeMap<>();
    cache.allSets().stream()
        .filter(s -> caller.sees(s.getMetadata().getNamespace()))
        .forEach(
            s -> byName.computeIfAbsent(s.getMetadata().getName(), k -> new ArrayList<>()).add(s));
    List<Map<String, Object>> out = new ArrayList<>();
    byName.forEach((name, sets) -> out.add(view(name, sets)));
    return SandboxResource.json(200, out);
  }

  @GET
  @Path("{id}")
  public Response get(@PathParam("id") String id, RoutingContext rc) {
    Caller caller = AuthFilter.caller(rc);
    String name = service.resolveTemplate(id);
    List<SandboxSet> sets =
        cache.setsNamed(name).stream()
            .filter(s -> caller.sees(s.getMetadata().getNamespace()))
            .toList();
    if (sets.isEmpty()) {
      throw E2bException.notFound("template " + id + " not found");
    }
    return SandboxResource.json(200, view(name, sets));
  }

  private Map<String, Object> view(String name, List<SandboxSet> sets) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("templateID", name);
    m.put("buildID", name);
    m.put("names", List.of(name));
    List<String> aliases = new ArrayList<>();
    aliases.add(name);
    service
        .config()
        .e2b()
        .templateAliases()
        .forEach(
            (alias, target) -> {
              if (target.equals(name)) {
                aliases.add(alias);
              }
            });
    m.put("aliases", aliases);
    m.put("public", false);
    m.put("buildStatus", "ready");
    m.put("envdVersion", SandboxView.ENVD_VERSION);
    m.put("cpuCount", SandboxView.DEFAULT_CPU);
    m.put("memoryMB", SandboxView.DEFAULT_MEMORY_MB);
    m.put("diskSizeMB", SandboxView.DEFAULT_DISK_MB);
    m.put("createdAt", sets.get(0).getMetadata().getCreationTimestamp());
    m.put("updatedAt", sets.get(0).getMetadata().getCreationTimestamp());
    m.put("createdBy", null);
    m.put("lastSpawnedAt", null);
    m.put("spawnCount", 0);
    m.put("buildCount", 1);
    m.put("namespaces", sets.stream().map(s -> s.getMetadata().getNamespace()).sorted().toList());
    return m;
  }
}
