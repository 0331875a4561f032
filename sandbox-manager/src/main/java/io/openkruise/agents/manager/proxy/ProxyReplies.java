package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.manager.e2b.ErrorBody;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The proxy's own answers, E2B-shaped ({@link ErrorBody} with the sandbox ID). An unknown sandbox
 * and a caller without credentials get one and the same answer, and count as one failed
 * authentication of the client.
 */
final class ProxyReplies {

  /** E2B's proxy answer for an unknown or dead sandbox (SDKs read 502 as "not running"). */
  static final String NOT_FOUND = "The sandbox was not found";

  private final FailedAuthLimiter failedAuth;

  ProxyReplies(FailedAuthLimiter failedAuth) {
    this.failedAuth = failedAuth;
  }

  void notFound(RoutingContext rc, ProxyTarget t) {
    failedAuth.failed(client(rc.request()));
    refuse(rc, t, 502, "not_found", NOT_FOUND);
  }

  void refuse(RoutingContext rc, ProxyTarget t, int code, String outcome, String message) {
    t.outcome = outcome;
    send(rc, code, body(code, message, t));
  }

  void backendFailed(RoutingContext rc, ProxyTarget t) {
    t.outcome = "backend_error";
    send(rc, 502, body(502, didNotAnswer(t), t));
  }

  static String didNotAnswer(ProxyTarget t) {
    return "sandbox " + t.sandboxId + " did not answer";
  }

  static String body(int code, String message, ProxyTarget t) {
    return ErrorBody.json(code, message, t.sandboxId);
  }

  /** The client address the failed-authentication limiter counts. */
  static String client(HttpServerRequest req) {
    return req.remoteAddress() == null ? "" : req.remoteAddress().host();
  }

  private static void send(RoutingContext rc, int code, String body) {
    var resp = rc.response();
    if (resp.ended() || resp.headWritten()) {
      return;
    }
    // The body was paused and is not wanted: let it drain so keep-alive can continue.
    rc.request().resume();
    resp.setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }
}
