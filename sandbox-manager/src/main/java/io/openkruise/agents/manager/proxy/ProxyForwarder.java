package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Forwards an admitted request through one Vert.x {@link HttpProxy} over the shared keep-alive
 * client to the target's pod IP, with the rewritten URI and the forwarding and runtime headers. A
 * backend that fails becomes an E2B-shaped 502.
 */
final class ProxyForwarder {

  private static final Logger LOG = Logger.getLogger(ProxyForwarder.class);
  private static final String TARGET = "kruise.target";

  /**
   * Hands the checked target to the proxy's first interceptor. {@link HttpProxy#handle} runs on the
   * caller's thread up to that interceptor, and the interceptor copies it into the per-request
   * {@link ProxyContext} at once, so the value never outlives one synchronous call.
   */
  private static final ThreadLocal<ProxyTarget> CURRENT = new ThreadLocal<>();

  private final HttpProxy proxy;
  private final FailedAuthLimiter failedAuth;
  private final OpenStreams streams;
  private final Predicate<String> knownGone;
  private final Function<ProxyTarget, Future<Boolean>> goneSoon;

  /**
   * @param streams where guarded Connect streams register, to be ended when their sandbox goes
   * @param knownGone whether the cache now shows a sandbox ID killed, expired or paused
   * @param goneSoon whether the cache shows the target's sandbox gone within a short grace: asked
   *     when its backend does not answer
   */
  ProxyForwarder(
      HttpClient client,
      FailedAuthLimiter failedAuth,
      OpenStreams streams,
      Predicate<String> knownGone,
      Function<ProxyTarget, Future<Boolean>> goneSoon) {
    this.failedAuth = failedAuth;
    this.streams = streams;
    this.knownGone = knownGone;
    this.goneSoon = goneSoon;
    // WebSocket upgrades go through WebSocketTunnel: the library's tunnel skips interceptors and
    // always sends the original URI, so the private mode's /kruise/<id>/<port> prefix would reach
    // the sandbox.
    this.proxy =
        HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
            .origin(ProxyForwarder::origin)
            .addInterceptor(new Forward());
  }

  /**
   * A pooled connection to the target. The request is kept on the target so a caller that leaves
   * while it is open resets it ({@link ProxyTarget#callerGone()}); one that left while it waited
   * for the connection gets it reset at once.
   */
  private static Future<HttpClientRequest> origin(ProxyContext ctx) {
    ProxyTarget t = ctx.get(TARGET, ProxyTarget.class);
    return ctx.client()
        .request(new RequestOptions().setServer(SocketAddress.inetSocketAddress(t.port, t.ip)))
        .map(
            req -> {
              t.origin = req;
              if (t.callerGone) {
                req.reset();
              }
              return req;
            });
  }

  void forward(HttpServerRequest req, ProxyTarget t) {
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
      ProxyTarget t = CURRENT.get();
      ctx.set(TARGET, t);
      ProxyRequest r = ctx.request();
      r.setURI(t.uri);
      ForwardedHeaders.forwarded(r.proxiedRequest(), r.headers());
      ForwardedHeaders.runtimeCredentials(t, r.headers());
      ForwardedHeaders.keepUnframedBody(r.proxiedRequest());
      if (ForwardedHeaders.hasNoBody(r.proxiedRequest())) {
        // Sent complete at once, without piping a body that has nothing but its end: the pipe
        // waited for that end from the paused caller request, which never delivers it once the
        // caller has gone. The caller's request is resumed to take its end as usual.
        r.setBody(null);
        r.proxiedRequest().resume();
      }
      return ctx.sendRequest()
          .map(resp -> guardStream(hideRuntimeRefusal(resp, t), t))
          .recover(
              err -> {
                LOG.debugf("sandbox %s backend failed: %s", t.sandboxId, err.getMessage());
                ProxyResponse resp = r.release().response();
                // A sandbox killed a moment ago can lose its pod before this replica's cache
                // shows the kill: answer as E2B does for a killed sandbox once the cache catches
                // up, not "did not answer" (which SDKs report as unreachable, state unknown).
                return goneSoon
                    .apply(t)
                    .map(
                        gone -> {
                          t.outcome = gone ? "not_found" : "backend_error";
                          String message =
                              gone ? ProxyReplies.NOT_FOUND : ProxyReplies.didNotAnswer(t);
                          return replace(resp, ProxyReplies.body(502, message, t));
                        });
              });
    }
  }

  /**
   * The code interpreter of a secure sandbox refuses a caller without the envd token with 401;
   * relayed as is, that would tell an existing ID from an unknown one. Answer as for an unknown ID.
   */
  private ProxyResponse hideRuntimeRefusal(ProxyResponse resp, ProxyTarget t) {
    if (t.port != EnvdPorts.CODE_INTERPRETER || !t.secure || resp.getStatusCode() != 401) {
      return resp;
    }
    t.outcome = "not_found";
    failedAuth.failed(ProxyReplies.client(resp.request().proxiedRequest()));
    resp.release();
    return replace(resp, ProxyReplies.body(502, ProxyReplies.NOT_FOUND, t));
  }

  /**
   * Wraps a Connect streaming body in a {@link ConnectStreamGuard}: a sandbox that goes away then
   * ends the client's stream with {@code unavailable} instead of a reset or a hang.
   */
  private ProxyResponse guardStream(ProxyResponse resp, ProxyTarget t) {
    String type = resp.headers().get(HttpHeaders.CONTENT_TYPE);
    if (resp.getStatusCode() != 200
        || type == null
        || !type.startsWith("application/connect+")
        || resp.getBody() == null) {
      return resp;
    }
    String id = t.sandboxId;
    Runnable[] unregister = {() -> {}};
    ConnectStreamGuard guard =
        new ConnectStreamGuard(
            resp.getBody().stream(),
            Vertx.currentContext(),
            killed ->
                killed || knownGone.test(id)
                    ? "The sandbox "
                        + id
                        + " was not found: it was killed, paused or reached its end of life while"
                        + " the stream was open"
                    : "the connection to sandbox " + id + " ended before the stream completed",
            () -> unregister[0].run());
    unregister[0] = streams.add(id, guard);
    resp.setBody(Body.body(guard, -1));
    return resp;
  }

  private static ProxyResponse replace(ProxyResponse resp, String json) {
    resp.setStatusCode(502);
    resp.headers().clear();
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    resp.setBody(Body.body(Buffer.buffer(json)));
    return resp;
  }
}
