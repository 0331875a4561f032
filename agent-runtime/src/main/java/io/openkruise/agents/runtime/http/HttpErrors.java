package io.openkruise.agents.runtime.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.vertx.core.http.HttpServerResponse;

/**
 * envd's REST error answer ({@code /files}, {@code /init}, {@code /metrics/samples}, unknown
 * routes): the JSON body the SDKs read, {@code {"code": <status>, "message": ...}}. Connect RPC
 * errors have their own shape ({@code ConnectRouter}).
 */
public final class HttpErrors {

  private HttpErrors() {}

  /** Answers {@code status} with the body; nothing when the answer has already ended. */
  public static void send(HttpServerResponse resp, int status, String message) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    ObjectNode body = Json.object();
    body.put("code", status);
    body.put("message", message);
    resp.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.toBuffer(body));
  }
}
