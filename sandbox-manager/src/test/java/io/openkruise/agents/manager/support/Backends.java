package io.openkruise.agents.manager.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/** Loopback HTTP servers standing in for a sandbox's ports behind the proxy. */
public final class Backends {

  private Backends() {}

  /**
   * Serves {@code handler} on {@code host:port} ({@code 0}: a free port, see {@link
   * HttpServer#actualPort()}) once it listens.
   */
  public static HttpServer start(
      Vertx vertx, String host, int port, Handler<HttpServerRequest> handler) throws Exception {
    return vertx
        .createHttpServer()
        .requestHandler(handler)
        .listen(port, host)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** Closes {@code vertx} and with it every backend. */
  public static void stop(Vertx vertx) throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
