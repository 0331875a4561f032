package io.openkruise.agents.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.ListQuery;
import io.openkruise.agents.manager.e2b.LogQuery;
import io.openkruise.agents.manager.e2b.MetricsQuery;
import io.openkruise.agents.manager.e2b.PausedRetention;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.e2b.Timeouts;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.lifecycle.ClientGone;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.openkruise.agents.manager.runtime.MetricsReader;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * E2B sandbox routes, both API generations. Blocking methods: RESTEasy Reactive runs them on worker
 * threads, so waiting for the pool or for Ready never blocks the event loop.
 */
@Path("/")
public class SandboxResource {

  /** Manual pause: the paused sandbox's retention, as the extension key sets it at create. */
  static final String RESERVE_PAUSED_HEADER = "x-e2b-kruise-reserve-paused-sandbox-duration";

  private final SandboxService service;
  private final MetricsReader metrics;

  SandboxResource(SandboxService service, MetricsReader metrics) {
    this.service = service;
    this.metrics = metrics;
  }

  private ManagerConfig.E2b settings() {
    return service.config().e2b();
  }

  @POST
  @Path("sandboxes")
  public Response create(String body, RoutingContext rc) {
    return create(body, rc, false);
  }

  @POST
  @Path("v2/sandboxes")
  public Response createV2(String body, RoutingContext rc) {
    return create(body, rc, true);
  }

  private Response create(String body, RoutingContext rc, boolean v2) {
    Caller caller = AuthFilter.caller(rc);
    CreateRequest req = CreateRequest.parse(Bodies.object(body), v2, settings().limits());
    Sandbox s = service.create(caller, req, clientGone(rc));
    return json(201, SandboxView.sandbox(s, settings().domain(), service.tokens()));
  }

  /**
   * Reports the client hanging up (the connection closes before the answer was sent); a create then
   * stops waiting and gives its sandbox back.
   */
  private static ClientGone clientGone(RoutingContext rc) {
    ClientGone gone = new ClientGone();
    rc.addEndHandler(
        end -> {
          if (end.failed()) {
            gone.signal();
          }
        });
    if (rc.response().closed()) {
      gone.signal();
    }
    return gone;
  }

  @GET
  @Path("v2/sandboxes")
  public Response list(
      @QueryParam("state") List<String> state,
      @QueryParam("metadata") String metadata,
      @QueryParam("limit") String limit,
      @QueryParam("nextToken") String nextToken,
      @QueryParam("order") String order,
      @QueryParam("startedAfter") String startedAfter,
      @QueryParam("startedBefore") String startedBefore,
      @QueryParam("template") String template,
      RoutingContext rc) {
    ListQuery q =
        ListQuery.parse(
            state,
            metadata,
            limit,
            nextToken,
            new ListQuery.Filters(order, startedAfter, startedBefore, template),
            t -> new HashSet<>(List.of(t, service.resolveTemplate(t))));
    ListQuery.Page<Sandbox> page = service.list(AuthFilter.caller(rc), q);
    Response.ResponseBuilder r =
        Response.ok(
            page.items().stream().map(s -> SandboxView.listed(s, service.state(s))).toList(),
            MediaType.APPLICATION_JSON_TYPE);
    page.nextToken().ifPresent(t -> r.header("X-Next-Token", t));
    return r.build();
  }

  /** The deprecated v1 list: running sandboxes only, one page. */
  @GET
  @Path("sandboxes")
  public Response listV1(@QueryParam("metadata") String metadata, RoutingContext rc) {
    ListQuery q = ListQuery.parse(List.of("running"), metadata, null, null);
    List<Map<String, Object>> all =
        service
            .list(
                AuthFilter.caller(rc),
                new ListQuery(q.states(), q.metadata(), Integer.MAX_VALUE, q.after()))
            .items()
            .stream()
            .map(s -> SandboxView.listed(s, SandboxState.RUNNING))
            .toList();
    return json(200, all);
  }

  @GET
  @Path("sandboxes/{id}")
  public Response get(@PathParam("id") String id, RoutingContext rc) {
    Sandbox s = service.get(AuthFilter.caller(rc), id);
    return json(
        200,
        SandboxView.detail(
            s, service.state(s), settings().domain(), service.tokens(), service.autoResumes(s)));
  }

  @DELETE
  @Path("sandboxes/{id}")
  public Response kill(@PathParam("id") String id, RoutingContext rc) {
    service.kill(AuthFilter.caller(rc), id);
    return Response.noContent().build();
  }

  @POST
  @Path("sandboxes/{id}/pause")
  public Response pause(@PathParam("id") String id, String body, RoutingContext rc) {
    Bodies.lenient(body); // {"memory": bool} or nothing: pause keeps the filesystem only anyway
    // The newest original's extension header: how long this paused sandbox is kept.
    Optional<String> reserveFor =
        Optional.ofNullable(rc.request().getHeader(RESERVE_PAUSED_HEADER)).map(String::trim);
    reserveFor.ifPresent(v -> PausedRetention.parse(v, RESERVE_PAUSED_HEADER));
    service.pause(AuthFilter.caller(rc), id, reserveFor);
    return Response.noContent().build();
  }

  @POST
  @Path("sandboxes/{id}/resume")
  public Response resume(@PathParam("id") String id, String body, RoutingContext rc) {
    Duration timeout = timeout(Bodies.object(body), "timeout");
    Sandbox s = service.resume(AuthFilter.caller(rc), id, timeout);
    return json(201, SandboxView.sandbox(s, settings().domain(), service.tokens()));
  }

  @POST
  @Path("sandboxes/{id}/connect")
  public Response connect(@PathParam("id") String id, String body, RoutingContext rc) {
    return connectAny(id, body, rc);
  }

  @POST
  @Path("v2/sandboxes/{id}/connect")
  public Response connectV2(@PathParam("id") String id, String body, RoutingContext rc) {
    return connectAny(id, body, rc);
  }

  private Response connectAny(String id, String body, RoutingContext rc) {
    Duration timeout = timeout(Bodies.object(body), "timeout");
    SandboxService.Connected c = service.connect(AuthFilter.caller(rc), id, timeout);
    return json(
        c.resumed() ? 201 : 200,
        SandboxView.sandbox(c.sandbox(), settings().domain(), service.tokens()));
  }

  @POST
  @Path("sandboxes/{id}/timeout")
  public Response setTimeout(@PathParam("id") String id, String body, RoutingContext rc) {
    JsonNode node = Bodies.object(body);
    if (!node.has("timeout")) {
      throw E2bException.badRequest("timeout is required");
    }
    service.setTimeout(AuthFilter.caller(rc), id, timeout(node, "timeout"));
    return Response.noContent().build();
  }

  /** Extend-only keep-alive; duration default and floor 15 s, at most 3600 s. */
  @POST
  @Path("sandboxes/{id}/refreshes")
  public Response refresh(@PathParam("id") String id, String body, RoutingContext rc) {
    JsonNode node = Bodies.object(body);
    Duration d =
        Timeouts.parse(
            node.get("duration"), "duration", Duration.ofSeconds(15), Duration.ofHours(1));
    if (d.compareTo(Duration.ofSeconds(15)) < 0) {
      d = Duration.ofSeconds(15);
    }
    service.refresh(AuthFilter.caller(rc), id, d);
    return Response.noContent().build();
  }

  /**
   * The sandbox's resource samples in {@code [start, end]} (epoch seconds; default: from its start
   * to now), read from its runtime; a paused sandbox has none.
   */
  @GET
  @Path("sandboxes/{id}/metrics")
  public Response metrics(
      @PathParam("id") String id,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      RoutingContext rc) {
    MetricsQuery.Range range = MetricsQuery.range(start, end);
    Sandbox s = service.get(AuthFilter.caller(rc), id);
    if (service.state(s) != SandboxState.RUNNING) {
      return json(200, List.of());
    }
    Instant now = Instant.now();
    return json(200, metrics.range(s, range.resolve(SandboxView.startedAt(s), now)));
  }

  /**
   * The latest sample of each listed running sandbox the caller owns, keyed by ID; IDs it cannot
   * see are left out, as unknown ones (no existence leak).
   */
  @GET
  @Path("sandboxes/metrics")
  public Response metricsMany(@QueryParam("sandbox_ids") List<String> ids, RoutingContext rc) {
    List<String> wanted = MetricsQuery.sandboxIds(ids);
    Caller caller = AuthFilter.caller(rc);
    Map<String, Sandbox> running = new LinkedHashMap<>();
    for (String id : wanted) {
      try {
        Sandbox s = service.get(caller, id);
        if (service.state(s) == SandboxState.RUNNING) {
          running.put(id, s);
        }
      } catch (E2bException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
    }
    return json(200, Map.of("sandboxes", metrics.latest(running)));
  }

  /** The sandbox's container log, E2B v1 shape; {@code start} in ms, at most 1000 lines. */
  @GET
  @Path("sandboxes/{id}/logs")
  public Response logs(
      @PathParam("id") String id,
      @QueryParam("start") String start,
      @QueryParam("limit") String limit,
      RoutingContext rc) {
    LogQuery q = LogQuery.v1(start, limit);
    return json(200, LogQuery.v1Body(service.logs(AuthFilter.caller(rc), id, q)));
  }

  /** E2B v2 shape: {@code cursor} (ms), {@code limit}, {@code direction}, level, search. */
  @GET
  @Path("v2/sandboxes/{id}/logs")
  public Response logsV2(
      @PathParam("id") String id,
      @QueryParam("cursor") String cursor,
      @QueryParam("limit") String limit,
      @QueryParam("direction") String direction,
      @QueryParam("level") String level,
      @QueryParam("search") String search,
      RoutingContext rc) {
    LogQuery q = LogQuery.v2(cursor, limit, direction, level, search);
    return json(200, LogQuery.v2Body(service.logs(AuthFilter.caller(rc), id, q)));
  }

  private Duration timeout(JsonNode body, String field) {
    return Timeouts.parse(
        body.get(field), field, settings().defaultTimeout(), settings().maxTimeout());
  }

  static Response json(int status, Object entity) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(entity).build();
  }
}
