package io.openkruise.agents.manager.e2b;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * E2B's error body, {@code {"code": status, "message": ...}}: the one builder behind the API's
 * exception mappers, the traffic router and the proxy. The proxy adds {@code sandboxId}, as E2B's
 * own proxy does.
 */
public final class ErrorBody {

  private ErrorBody() {}

  /** The body as a map, for JAX-RS entities. */
  public static Map<String, Object> of(int code, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    return body;
  }

  /** The body as JSON text, for Vert.x handlers. */
  public static String json(int code, String message) {
    return new JsonObject(of(code, message)).encode();
  }

  /** The proxy's body: also names the sandbox the request was for. */
  public static String json(int code, String message, String sandboxId) {
    Map<String, Object> body = of(code, message);
    body.put("sandboxId", sandboxId);
    return new JsonObject(body).encode();
  }
}
