package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.envd.EnvdHeaders;
import io.openkruise.agents.envd.EnvdPorts;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * The headers a request carries into a sandbox, for plain requests and WebSocket upgrades alike:
 * {@code X-Forwarded-*} and the runtime's credentials.
 */
final class ForwardedHeaders {

  private ForwardedHeaders() {}

  /** {@code X-Forwarded-For} (appended), {@code -Proto} and {@code -Host}. */
  static void forwarded(HttpServerRequest from, MultiMap headers) {
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
   * What the runtime needs and a caller through the proxy cannot hold, added after the proxy's own
   * checks. The bootstrap token opens a runtime nobody initialised (skip-init-runtime, templates
   * without should-init-envd); after init the runtime ignores it except on {@code /init}, so it is
   * never added there and never taken from a caller. The SDKs send the envd access token to the
   * code interpreter on {@code /execute} only, while the runtime wants it on every route: the proxy
   * adds it to the other routes (contexts), which the unguessable ID and, for private sandboxes,
   * the traffic token guard as in E2B. {@code /execute} runs code, so there the caller's own token
   * is required and never supplied.
   */
  static void runtimeCredentials(ProxyTarget t, MultiMap headers) {
    headers.remove(EnvdHeaders.BOOTSTRAP_TOKEN);
    if (t.bootstrapToken != null && !t.bootstrapToken.isEmpty() && !"/init".equals(t.path)) {
      headers.set(EnvdHeaders.BOOTSTRAP_TOKEN, t.bootstrapToken);
    }
    if (t.port == EnvdPorts.CODE_INTERPRETER
        && !"/execute".equals(t.path)
        && t.accessToken != null
        && !t.accessToken.isEmpty()
        && !headers.contains(EnvdHeaders.ACCESS_TOKEN)) {
      headers.set(EnvdHeaders.ACCESS_TOKEN, t.accessToken);
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

  /**
   * An HTTP/1.x request that says it has no body: neither Content-Length (or one of 0) nor
   * Transfer-Encoding.
   */
  static boolean hasNoBody(HttpServerRequest in) {
    if (in.version() == HttpVersion.HTTP_2) {
      return false;
    }
    String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
    return in.getHeader(HttpHeaders.TRANSFER_ENCODING) == null
        && (length == null || length.trim().equals("0"));
  }
}
