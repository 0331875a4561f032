package io.openkruise.agents.manager.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The proxy tests' HTTP backend: answers every request with what reached it as JSON (method, URI,
 * forwarded headers, access token, body length and SHA-256, and the body itself when it is small),
 * WebSocket upgrades through {@link WebSocketEcho}.
 */
final class RequestEcho {
  private static final int BODY_SHOWN_UP_TO = 64 * 1024;

  private RequestEcho() {}

  static Handler<HttpServerRequest> handler() {
    return WebSocketEcho.orHttp(RequestEcho::answer);
  }

  static void answer(HttpServerRequest req) {
    MessageDigest sha = sha256();
    Buffer shown = Buffer.buffer();
    long[] bytes = {0};
    req.handler(
        b -> {
          bytes[0] += b.length();
          sha.update(b.getBytes());
          if (bytes[0] <= BODY_SHOWN_UP_TO) {
            shown.appendBuffer(b);
          }
        });
    req.endHandler(
        v ->
            req.response()
                .putHeader("Content-Type", "application/json")
                .end(
                    new JsonObject()
                        .put("method", req.method().name())
                        .put("uri", req.uri())
                        .put("body", bytes[0] <= BODY_SHOWN_UP_TO ? shown.toString() : null)
                        .put("xff", req.getHeader("X-Forwarded-For"))
                        .put("xfh", req.getHeader("X-Forwarded-Host"))
                        .put("xfp", req.getHeader("X-Forwarded-Proto"))
                        .put("token", req.getHeader("X-Access-Token"))
                        .put("bytes", bytes[0])
                        .put("sha256", HexFormat.of().formatHex(sha.digest()))
                        .encode()));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
