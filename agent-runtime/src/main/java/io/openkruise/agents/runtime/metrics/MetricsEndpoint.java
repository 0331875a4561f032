package io.openkruise.agents.runtime.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.http.HttpErrors;
import io.vertx.core.http.HttpServerRequest;

/**
 * {@code GET /metrics/samples?start=&end=} (epoch seconds, both optional and inclusive): the
 * samples of the range, oldest first, as {@code {"samples": [<envd /metrics object>...]}}. Not part
 * of envd; the sandbox-manager reads it to answer E2B's {@code GET /sandboxes/{id}/metrics}.
 */
public final class MetricsEndpoint {
  public static final String SAMPLES = "/metrics/samples";

  private MetricsEndpoint() {}

  public static void samples(HttpServerRequest req, MetricsSampler sampler) {
    long from;
    long to;
    try {
      from = seconds(req.getParam("start"), 0) * 1000;
      to = seconds(req.getParam("end"), Long.MAX_VALUE / 1000) * 1000 + 999;
    } catch (IllegalArgumentException e) {
      HttpErrors.send(req.response(), 400, e.getMessage());
      return;
    }
    ObjectNode body = Json.object();
    ArrayNode arr = body.putArray("samples");
    sampler.range(from, to).forEach(s -> arr.add(s.toJson()));
    req.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .end(Json.toBuffer(body));
  }

  /** Parses epoch seconds; {@code absent} when the parameter is missing. */
  static long seconds(String v, long absent) {
    if (v == null || v.isEmpty()) {
      return absent;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > Long.MAX_VALUE / 1000 - 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("start and end must be epoch seconds, got " + v);
    }
  }
}
