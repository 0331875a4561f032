package io.openkruise.agents.manager.proxy;

import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.TimeUnit;

/** The proxy tests' WebSocket backend: every message comes back as {@code echo:<path>:<text>}. */
final class WebSocketEcho {
  private WebSocketEcho() {}

  /**
   * Upgrades {@code req} when it asks for a WebSocket. Done in the request handler rather than by a
   * webSocketHandler, which after some other test classes in the same JVM answered the (correct)
   * upgrade with 200 instead.
   *
   * @return whether the request was a WebSocket upgrade (and is handled)
   */
  static boolean handle(HttpServerRequest req) {
    if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      return false;
    }
    req.toWebSocket()
        .onSuccess(ws -> ws.handler(b -> ws.writeTextMessage("echo:" + ws.path() + ":" + b)));
    return true;
  }

  /** A backend handler: WebSocket upgrades echo, every other request goes to {@code http}. */
  static Handler<HttpServerRequest> orHttp(Handler<HttpServerRequest> http) {
    return req -> {
      if (!handle(req)) {
        http.handle(req);
      }
    };
  }

  /** Opens a WebSocket with {@code options}, sends {@code message}, returns the first answer. */
  static String roundTrip(HttpClient http, WebSocketConnectOptions options, String message)
      throws Exception {
    Promise<String> echo = Promise.promise();
    http.webSocket(options)
        .onSuccess(
            ws -> {
              ws.textMessageHandler(echo::tryComplete);
              ws.writeTextMessage(message);
            })
        .onFailure(echo::tryFail);
    return echo.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
