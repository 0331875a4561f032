package io.openkruise.agents.localcluster.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/** Runs HTTP and TCP probes the way a kubelet does, on the node's shared Vert.x. */
final class ProbeRunner implements AutoCloseable {
  private final HttpClient http;
  private final NetClient tcp;

  ProbeRunner(Vertx vertx) {
    // No keep-alive: hundreds of pods must not hold idle connections, and a stopped pod's port
    // must close for real. Certificates are not checked, as on a kubelet.
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(false)
                .setTrustAll(true)
                .setVerifyHost(false)
                .setConnectTimeout(1000));
    this.tcp = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1000));
  }

  /**
   * @return completes with null when the probe passes, or with the reason it failed (never fails)
   */
  Future<String> check(ProbeTarget target, long timeoutMillis) {
    if (target.problem() != null) {
      return Future.succeededFuture(target.problem());
    }
    return switch (target.kind()) {
      case ASSUMED_PASSING -> Future.succeededFuture(null);
      case TCP ->
          tcp.connect(target.port(), target.host())
              .compose(s -> s.close().map((String) null))
              .otherwise(t -> "tcp " + target.host() + ":" + target.port() + ": " + t.getMessage());
      case HTTP -> {
        RequestOptions req =
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(target.host())
                .setPort(target.port())
                .setURI(target.path())
                .setSsl("https".equals(target.scheme()))
                .setTimeout(timeoutMillis);
        target.headers().forEach(req::putHeader);
        req.putHeader("User-Agent", "kube-probe/local");
        String url = target.scheme() + "://" + target.host() + ":" + target.port() + target.path();
        yield http.request(req)
            .compose(r -> r.send())
            .compose(
                resp ->
                    resp.body()
                        .map(
                            b ->
                                resp.statusCode() >= 200 && resp.statusCode() < 400
                                    ? (String) null
                                    : "GET " + url + ": HTTP " + resp.statusCode()))
            .otherwise(t -> "GET " + url + ": " + t.getMessage());
      }
    };
  }

  @Override
  public void close() {
    http.close();
    tcp.close();
  }
}
