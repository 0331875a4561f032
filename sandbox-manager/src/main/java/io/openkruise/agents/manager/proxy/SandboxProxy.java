package io.openkruise.agents.manager.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.NetUtil;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.openkruise.agents.manager.routing.SandboxTrafficHandler;
import io.openkruise.agents.manager.routing.TrafficRouter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The data plane: every request {@link TrafficRouter} classifies as sandbox traffic is checked here
 * (port, credentials, sandbox state) and then forwarded by one Vert.x {@link HttpProxy} over a
 * pooled keep-alive client to the claimed sandbox's own pod IP. Nothing else is ever dialled: the
 * address comes from {@code status.sandboxIp} of a claimed, Ready, unexpired sandbox, never from
 * the request.
 *
 * <p>No oracle: to a caller without the sandbox's credentials (envd access token on the envd port
 * of a secure sandbox, traffic access token on the user ports of a private one) an existing sandbox
 * looks exactly like an unknown ID, the same 502 and body, and both count as a failed
 * authentication of the client ({@link FailedAuthLimiter}).
 */
@ApplicationScoped
public class SandboxProxy implements SandboxTrafficHandler {

  private static final Logger LOG = Logger.getLogger(SandboxProxy.class);
  private static final Logger ACCESS = Logger.getLogger("io.openkruise.agents.proxy.access");

  /** On a SandboxSet (or Sandbox): traffic may resume a paused sandbox (connect-on-traffic). */
  public static final String ANNOTATION_AUTO_RESUME = MetadataKeys.E2B_PREFIX + "auto-resume";

  private static final String TARGET = "kruise.target";

  /** E2B's header for a private sandbox's user ports ({@code trafficAccessToken}). */
  public static final String TRAFFIC_TOKEN_HEADER = "e2b-traffic-access-token";

  /**
   * The code interpreter's port: the runtime checks the envd access token; the proxy checks only
   * the traffic token of a private sandbox there.
   */
  static final int CODE_INTERPRETER_PORT = 49999;

  /**
   * Hands the checked target to the proxy's first interceptor. {@link HttpProxy#handle} runs on the
   * caller's thread up to that interceptor, and the interceptor copies it into the per-request
   * {@link ProxyContext} at once, so the value never outlives one synchronous call.
   */
  private static final ThreadLocal<Target> CURRENT = new ThreadLocal<>();

  private final Vertx vertx;
  private final SandboxCache cache;
  private final SandboxService service;
  private final SandboxTokens tokens;
  private final FailedAuthLimiter failedAuth;
  private final ManagerConfig.Proxy config;
  private final Duration resumeTimeout;
  private final int envdPort;
  private final MeterRegistry registry;
  private final Clock clock;
  private final HttpClient client;
  private final HttpProxy proxy;

  /** Where one request goes, and what happened to it (for metrics and the access log). */
  static final class Target {
    final String sandboxId;
    final String mode;
    String ip;
    int port;
    String path;
    String uri;
    String outcome = "forwarded";
    boolean recorded;
    String accessToken;
    String bootstrapToken;
    boolean secure;
    final long started = System.nanoTime();

    Target(String sandboxId, String mode) {
      this.sandboxId = sandboxId;
      this.mode = mode;
    }
  }

  SandboxProxy(
      Vertx vertx,
      SandboxCache cache,
      SandboxService service,
      FailedAuthLimiter failedAuth,
      ManagerConfig config,
      MeterRegistry registry,
      Clock clock) {
    this.vertx = vertx;
    this.cache = cache;
    this.service = service;
    this.tokens = service.tokens();
    this.failedAuth = failedAuth;
    this.config = config.proxy();
    this.resumeTimeout = config.e2b().defaultTimeout();
    this.envdPort = config.runtime().port();
    this.registry = registry;
    this.clock = clock;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setPipelining(false)
                .setMaxPoolSize(this.config.maxConnectionsPerSandbox())
                .setConnectTimeout((int) this.config.connectTimeout().toMillis())
                .setIdleTimeout((int) this.config.idleTimeout().toSeconds())
                .setDecompressionSupported(false));
    // WebSocket upgrades are tunnelled by tunnel() below: the library's tunnel skips interceptors
    // and always sends the original URI, so the private mode's /kruise/<id>/<port> prefix would
    // reach the sandbox.
    this.proxy =
        HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
            .origin(
                OriginRequestProvider.selector(
                    ctx -> {
                      Target t = ctx.get(TARGET, Target.class);
                      return Future.succeededFuture(SocketAddress.inetSocketAddress(t.port, t.ip));
                    }))
            .addInterceptor(new Forward());
  }

  @PreDestroy
  void close() {
    client.close();
  }

  @Override
  public void handle(RoutingContext rc, TrafficRouter.SandboxTraffic route) {
    HttpServerRequest req = rc.request();
    // Hold the body until the target is known; the proxy resumes it when it pipes to the origin.
    req.pause();
    Target t = new Target(route.sandboxId(), route.mode().tag());
    rc.addEndHandler(ar -> record(rc, t));
    if (route.port() < 1 || route.port() > 65535) {
      refuse(rc, t, 400, "bad_port", "sandbox port must be between 1 and 65535");
      return;
    }
    t.port = route.port();
    String query = req.query();
    t.path = route.path();
    t.uri = query == null ? route.path() : route.path() + "?" + query;
    if (failedAuth.blocked(client(req))) {
      refuse(rc, t, 429, "rate_limited", "too many failed requests; slow down");
      return;
    }
    Optional<Sandbox> cached = cache.claimedCached(route.sandboxId());
    if (cached.isPresent()) {
      admit(rc, t, cached.get());
      return;
    }
    if (!SandboxIds.wellFormed(route.sandboxId())) {
      notFound(rc, t);
      return;
    }
    // Cache miss: maybe a live read (a create on another replica a moment ago), off the event
    // loop; the cache's LiveReadGuard bounds what unknown IDs cost the API server.
    vertx
        .<Optional<Sandbox>>executeBlocking(() -> cache.claimed(route.sandboxId()), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                // Same answer as unknown: an API-server hiccup must not tell IDs apart either.
                LOG.warnf("sandbox lookup %s failed: %s", t.sandboxId, ar.cause().getMessage());
                notFound(rc, t);
              } else if (ar.result().isEmpty()) {
                notFound(rc, t);
              } else {
                admit(rc, t, ar.result().get());
              }
            });
  }

  /** Checks owner, credentials, state and address, then forwards (or resumes first). */
  private void admit(RoutingContext rc, Target t, Sandbox s) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    String owner = a == null ? null : a.get(MetadataKeys.ANNOTATION_OWNER);
    if (owner == null || owner.isEmpty()) {
      notFound(rc, t);
      return;
    }
    // Credentials before anything that depends on the sandbox's state: without them, a paused,
    // expired or running sandbox all look like an unknown ID.
    t.accessToken = tokens.envdAccessToken(s);
    if (!authorized(rc.request(), t, s)) {
      notFound(rc, t);
      return;
    }
    t.secure = SandboxTokens.secure(s);
    SandboxState state = SandboxState.of(s, clock.instant());
    if (state == SandboxState.PAUSED && config.connectOnTraffic() && autoResume(s)) {
      resumeThenAdmit(rc, t, s, owner);
      return;
    }
    if (state == SandboxState.PAUSED) {
      refuse(rc, t, 502, "paused", "sandbox " + t.sandboxId + " is paused; connect to resume it");
      return;
    }
    if (state != SandboxState.RUNNING) {
      notFound(rc, t);
      return;
    }
    String ip = s.getStatus() == null ? null : s.getStatus().getSandboxIp();
    // Only an IP literal: a hostname would let whoever writes the status pick what we dial.
    if (ip == null || !(NetUtil.isValidIpV4Address(ip) || NetUtil.isValidIpV6Address(ip))) {
      notFound(rc, t);
      return;
    }
    t.ip = ip;
    t.bootstrapToken = tokens.bootstrapToken(s);
    forward(rc, t);
  }

  /**
   * envd port: the envd access token of a secure sandbox (or a signed /files URL); user ports: the
   * traffic access token of a private sandbox; the code interpreter's port is left to the runtime.
   */
  private boolean authorized(HttpServerRequest req, Target t, Sandbox s) {
    if (t.port != envdPort) {
      // User ports and the code interpreter (the SDKs send the traffic token there too); the
      // interpreter's envd token is checked by the runtime.
      String expected = tokens.trafficAccessToken(s);
      return expected.isEmpty()
          || EnvdAuth.sameToken(expected, req.getHeader(TRAFFIC_TOKEN_HEADER));
    }
    return EnvdAuth.allowed(
        t.accessToken,
        req.method().name(),
        t.path,
        req.getHeader("X-Access-Token"),
        req.getParam("signature"),
        req.getParam("path"),
        req.getParam("username"),
        req.getParam("signature_expiration"),
        clock.instant().getEpochSecond());
  }

  private boolean autoResume(Sandbox s) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    if (a != null && "true".equals(a.get(ANNOTATION_AUTO_RESUME))) {
      return true;
    }
    String ns = s.getMetadata().getNamespace();
    return cache.setsNamed(SandboxView.templateId(s)).stream()
        .filter(set -> ns.equals(set.getMetadata().getNamespace()))
        .map(set -> set.getMetadata().getAnnotations())
        .anyMatch(sa -> sa != null && "true".equals(sa.get(ANNOTATION_AUTO_RESUME)));
  }

  /** Connect-on-traffic: resume as the sandbox's owner (bounded by wait-ready-timeout). */
  private void resumeThenAdmit(RoutingContext rc, Target t, Sandbox s, String owner) {
    Caller caller = new Caller(owner, "connect-on-traffic", false);
    vertx
        .<Sandbox>executeBlocking(
            () -> service.connect(caller, t.sandboxId, resumeTimeout).sandbox(), false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                LOG.infof("resumed sandbox=%s on traffic", t.sandboxId);
                Sandbox running = ar.result();
                if (SandboxState.of(running, clock.instant()) == SandboxState.RUNNING) {
                  admit(rc, t, running);
                } else {
                  notFound(rc, t);
                }
              } else {
                String msg =
                    ar.cause() instanceof E2bException e ? e.getMessage() : "resume failed";
                refuse(rc, t, 502, "resume_failed", msg);
              }
            });
  }

  private void forward(RoutingContext rc, Target t) {
    HttpServerRequest req = rc.request();
    if (isWebSocketUpgrade(req)) {
      tunnel(rc, t);
      return;
    }
    CURRENT.set(t);
    try {
      proxy.handle(req);
    } finally {
      CURRENT.remove();
    }
  }

  /** First (and only) interceptor: target, rewritten URI, forwarding headers, JSON on failure. */
  private final class Forward implements ProxyInterceptor {
    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
      Target t = CURRENT.get();
      ctx.set(TARGET, t);
      ProxyRequest r = ctx.request();
      r.setURI(t.uri);
      forwardedHeaders(r.proxiedRequest(), r.headers());
      runtimeCredentials(t, r.headers());
      keepUnframedBody(r.proxiedRequest());
      return ctx.sendRequest()
          .map(resp -> hideRuntimeRefusal(resp, t))
          .recover(
              err -> {
                t.outcome = "backend_error";
                LOG.debugf("sandbox %s backend failed: %s", t.sandboxId, err.getMessage());
                ProxyResponse resp = r.release().response().setStatusCode(502);
                resp.headers().clear();
                resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
                resp.setBody(
                    Body.body(
                        Buffer.buffer(
                            error(502, "sandbox " + t.sandboxId + " did not answer", t))));
                return Future.succeededFuture(resp);
              });
    }
  }

  /**
   * What the runtime needs and a caller through the proxy cannot hold, added after the proxy's own
   * checks. The bootstrap token opens a runtime nobody initialised (skip-init-runtime, templates
   * without should-init-envd); after init the runtime ignores it except on {@code /init}, so it is
   * never added there and never taken from a caller. The SDKs send the envd access token to the
   * code interpreter on {@code /execute} only, while the runtime wants it on every route: the proxy
   * adds it to the other routes (contexts), which the unguessable ID and, for private sandboxes,
   * the traffic token guard as in E2B. {@code /execute} runs code, so there the caller's own token
   * is required and never supplied.
   */
  private static void runtimeCredentials(Target t, io.vertx.core.MultiMap headers) {
    headers.remove(SandboxSecrets.BOOTSTRAP_HEADER);
    if (t.bootstrapToken != null && !t.bootstrapToken.isEmpty() && !"/init".equals(t.path)) {
      headers.set(SandboxSecrets.BOOTSTRAP_HEADER, t.bootstrapToken);
    }
    if (t.port == CODE_INTERPRETER_PORT
        && !"/execute".equals(t.path)
        && t.accessToken != null
        && !t.accessToken.isEmpty()
        && !headers.contains("X-Access-Token")) {
      headers.set("X-Access-Token", t.accessToken);
    }
  }

  /**
   * The code interpreter of a secure sandbox refuses a caller without the envd token with 401;
   * relayed as is, that would tell an existing ID from an unknown one. Answer as for an unknown ID.
   */
  private ProxyResponse hideRuntimeRefusal(ProxyResponse resp, Target t) {
    if (t.port != CODE_INTERPRETER_PORT || !t.secure || resp.getStatusCode() != 401) {
      return resp;
    }
    t.outcome = "not_found";
    failedAuth.failed(client(resp.request().proxiedRequest()));
    resp.release().setStatusCode(502);
    resp.headers().clear();
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    resp.setBody(Body.body(Buffer.buffer(error(502, NOT_FOUND, t))));
    return resp;
  }

  private static String client(HttpServerRequest req) {
    return req.remoteAddress() == null ? "" : req.remoteAddress().host();
  }

  private static void forwardedHeaders(HttpServerRequest from, io.vertx.core.MultiMap headers) {
    String client = from.remoteAddress() == null ? null : from.remoteAddress().hostAddress();
    String prior = from.getHeader("X-Forwarded-For");
    if (client != null) {
      headers.set("X-Forwarded-For", prior == null ? client : prior + ", " + client);
    }
    headers.set("X-Forwarded-Proto", from.scheme() == null ? "http" : from.scheme());
    if (from.host() != null) {
      headers.set("X-Forwarded-Host", from.host());
    }
  }

  /**
   * An HTTP/2 request (any client that negotiated h2 over TLS, e.g. the Python SDK's envd client)
   * streams its body in DATA frames with neither Content-Length nor Transfer-Encoding. The proxy
   * library sends a body of unknown length to the HTTP/1.1 sandbox chunked only when the inbound
   * headers say {@code chunked}, and otherwise sends the request without its body; saying so here
   * keeps the body. The header is hop-by-hop, so it is never copied onward.
   */
  static void keepUnframedBody(HttpServerRequest in) {
    if (in.version() == HttpVersion.HTTP_2
        && in.getHeader(HttpHeaders.CONTENT_LENGTH) == null
        && in.method() != HttpMethod.GET
        && in.method() != HttpMethod.HEAD) {
      in.headers().set("transfer-encoding", "chunked");
    }
  }

  private static boolean isWebSocketUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    String connection = req.getHeader(HttpHeaders.CONNECTION);
    return req.method() == HttpMethod.GET
        && upgrade != null
        && upgrade.equalsIgnoreCase("websocket")
        && connection != null
        && connection.toLowerCase().contains("upgrade");
  }

  /**
   * Our own WebSocket tunnel (see the constructor): sends the upgrade with the rewritten URI and,
   * on 101, splices the two sockets; any other answer is relayed as is.
   */
  private void tunnel(RoutingContext rc, Target t) {
    HttpServerRequest req = rc.request();
    RequestOptions options =
        new RequestOptions().setMethod(HttpMethod.GET).setHost(t.ip).setPort(t.port).setURI(t.uri);
    client
        .request(options)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                backendFailed(rc, t);
                return;
              }
              HttpClientRequest out = ar.result();
              req.headers()
                  .forEach(
                      h -> {
                        if (!h.getKey().equalsIgnoreCase("host")) {
                          out.headers().add(h.getKey(), h.getValue());
                        }
                      });
              forwardedHeaders(req, out.headers());
              runtimeCredentials(t, out.headers());
              out.connect()
                  .onComplete(
                      ar2 -> {
                        if (ar2.failed()) {
                          backendFailed(rc, t);
                          return;
                        }
                        var back = ar2.result();
                        if (back.statusCode() != 101) {
                          req.resume();
                          var resp = req.response().setStatusCode(back.statusCode());
                          resp.headers().addAll(back.headers());
                          back.body()
                              .onComplete(
                                  b -> resp.end(b.succeeded() ? b.result() : Buffer.buffer()));
                          return;
                        }
                        req.response().setStatusCode(101);
                        req.response().headers().addAll(back.headers());
                        req.toNetSocket()
                            .onComplete(
                                ar3 -> {
                                  NetSocket backend = back.netSocket();
                                  if (ar3.failed()) {
                                    backend.close();
                                    return;
                                  }
                                  NetSocket front = ar3.result();
                                  front.pipeTo(backend);
                                  backend.pipeTo(front);
                                  // An upgraded exchange never "ends" for Vert.x Web: count it now.
                                  record(rc, t);
                                });
                      });
            });
  }

  private void backendFailed(RoutingContext rc, Target t) {
    t.outcome = "backend_error";
    send(rc, t, 502, error(502, "sandbox " + t.sandboxId + " did not answer", t));
  }

  private static final String NOT_FOUND = "The sandbox was not found";

  /**
   * E2B's proxy answer for an unknown or dead sandbox (SDKs read 502 as "not running"), and the
   * answer to any caller without credentials: one body for all, and one failure of the client.
   */
  private void notFound(RoutingContext rc, Target t) {
    failedAuth.failed(client(rc.request()));
    refuse(rc, t, 502, "not_found", NOT_FOUND);
  }

  private void refuse(RoutingContext rc, Target t, int code, String outcome, String message) {
    t.outcome = outcome;
    send(rc, t, code, error(code, message, t));
  }

  private static void send(RoutingContext rc, Target t, int code, String body) {
    var resp = rc.response();
    if (resp.ended() || resp.headWritten()) {
      return;
    }
    // The body was paused and is not wanted: let it drain so keep-alive can continue.
    rc.request().resume();
    resp.setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }

  private static String error(int code, String message, Target t) {
    return new JsonObject()
        .put("sandboxId", t.sandboxId)
        .put("message", message)
        .put("code", code)
        .encode();
  }

  private void record(RoutingContext rc, Target t) {
    if (t.recorded) {
      return;
    }
    t.recorded = true;
    int status = rc.response().getStatusCode();
    Timer.builder("kruise.proxy.requests")
        .description("Sandbox data-plane requests by routing mode and outcome")
        .tag("mode", t.mode)
        .tag("outcome", t.outcome)
        .register(registry)
        .record(Duration.ofNanos(System.nanoTime() - t.started));
    logAccess(rc.request(), t, status);
  }

  private void logAccess(HttpServerRequest req, Target t, int status) {
    if (config.accessLog()) {
      ACCESS.infof(
          "sandbox=%s mode=%s %s %s -> %s:%d%s status=%d outcome=%s",
          t.sandboxId,
          t.mode,
          req.method(),
          req.path(),
          t.ip == null ? "-" : t.ip,
          t.port,
          // The path only: a query may carry a signed-URL signature.
          t.path == null ? "" : t.path,
          status,
          t.outcome);
    }
  }
}
