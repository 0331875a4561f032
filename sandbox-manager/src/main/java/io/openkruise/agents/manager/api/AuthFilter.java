package io.openkruise.agents.manager.api;

import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.openkruise.agents.manager.keys.ApiKeyStore;
import io.openkruise.agents.manager.keys.Caller;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** {@code X-API-Key} on every API route but {@code /health}; the caller travels in the context. */
public class AuthFilter {

  static final String CALLER = "kruise.caller";

  @Inject ApiKeyStore keys;
  @Inject ManagerConfig config;
  @Inject FailedAuthLimiter failedAuth;

  @ServerRequestFilter
  public Optional<Response> authenticate(ContainerRequestContext ctx, RoutingContext rc) {
    String path = ctx.getUriInfo().getPath();
    if (path.equals("/health") || path.equals("/health/")) {
      return Optional.empty();
    }
    if (!config.e2b().auth().enabled()) {
      rc.put(CALLER, Caller.ANONYMOUS);
      return Optional.empty();
    }
    String client = rc.request().remoteAddress() == null ? "" : rc.request().remoteAddress().host();
    if (failedAuth.blocked(client)) {
      return Optional.of(ErrorMappers.json(429, "too many failed authentications; slow down"));
    }
    String key = ctx.getHeaderString("X-API-Key");
    if (key == null || key.isEmpty()) {
      failedAuth.failed(client);
      return Optional.of(ErrorMappers.json(401, "missing API key: send it in X-API-Key"));
    }
    Optional<Caller> caller = keys.authenticate(key.trim());
    if (caller.isEmpty()) {
      failedAuth.failed(client);
      return Optional.of(ErrorMappers.json(401, "Invalid API key"));
    }
    rc.put(CALLER, caller.get());
    return Optional.empty();
  }

  static Caller caller(RoutingContext rc) {
    Caller c = rc.get(CALLER);
    if (c == null) {
      throw new IllegalStateException("no caller: auth filter did not run");
    }
    return c;
  }
}
