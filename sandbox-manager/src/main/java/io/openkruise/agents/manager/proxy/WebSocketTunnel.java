package io.openkruise.agents.manager.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.RoutingContext;

/**
 * Our own WebSocket tunnel (the proxy library's skips interceptors and sends the original URI):
 * sends the upgrade with the rewritten URI and the forwarding headers and, on 101, splices the two
 * sockets; any other answer is relayed as is.
 */
final class WebSocketTunnel {

  private final HttpClient client;
  private final ProxyReplies replies;
  private final ProxyObservability observability;

  WebSocketTunnel(HttpClient client, ProxyReplies replies, ProxyObservability observability) {
    this.client = client;
    this.replies = replies;
    this.observability = observability;
  }

  static boolean isUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    String connection = req.getHeader(HttpHeaders.CONNECTION);
    return req.method() == HttpMethod.GET
        && upgrade != null
        && upgrade.equalsIgnoreCase("websocket")
        && connection != null
        && connection.toLowerCase().contains("upgrade");
  }

  void tunnel(RoutingContext rc, ProxyTarget t) {
    HttpServerRequest req = rc.request();
    RequestOptions options =
        new RequestOptions().setMethod(HttpMethod.GET).setHost(t.ip).setPort(t.port).setURI(t.uri);
    client
        .request(options)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                replies.backendFailed(rc, t);
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
              ForwardedHeaders.forwarded(req, out.headers());
              ForwardedHeaders.runtimeCredentials(t, out.headers());
              out.connect()
                  .onComplete(
                      ar2 -> {
                        if (ar2.failed()) {
                          replies.backendFailed(rc, t);
                        } else if (ar2.result().statusCode() != 101) {
                          relay(req, ar2.result());
                        } else {
                          splice(rc, t, ar2.result());
                        }
                      });
            });
  }

  /** The backend refused the upgrade: its answer goes back as is. */
  private static void relay(HttpServerRequest req, HttpClientResponse back) {
    req.resume();
    var resp = req.response().setStatusCode(back.statusCode());
    resp.headers().addAll(back.headers());
    back.body().onComplete(b -> resp.end(b.succeeded() ? b.result() : Buffer.buffer()));
  }

  private void splice(RoutingContext rc, ProxyTarget t, HttpClientResponse back) {
    HttpServerRequest req = rc.request();
    req.response().setStatusCode(101);
    req.response().headers().addAll(back.headers());
    req.toNetSocket()
        .onComplete(
            ar -> {
              NetSocket backend = back.netSocket();
              if (ar.failed()) {
                backend.close();
                return;
              }
              NetSocket front = ar.result();
              front.pipeTo(backend);
              backend.pipeTo(front);
              // An upgraded exchange never "ends" for Vert.x Web: count it now.
              observability.record(rc, t);
            });
  }
}
