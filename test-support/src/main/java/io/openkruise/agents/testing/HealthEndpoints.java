package io.openkruise.agents.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A service's SmallRye Health endpoints ({@code .../health/live}, {@code .../health/ready}). */
public final class HealthEndpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HealthEndpoints() {}

  /**
   * Asserts that liveness and readiness both answer 200 with status {@code UP}.
   *
   * @param health the health root, ending in {@code /}
   */
  public static void assertUp(URL health) throws Exception {
    for (String probe : new String[] {"live", "ready"}) {
      JsonNode body = get(health, probe);
      assertThat(body.path("status").asText()).as("%s: %s", probe, body).isEqualTo("UP");
    }
  }

  /** The {@code data} of the readiness check named {@code check}; fails when there is none. */
  public static JsonNode readinessData(URL health, String check) throws Exception {
    JsonNode body = get(health, "ready");
    for (JsonNode c : body.path("checks")) {
      if (check.equals(c.path("name").asText())) {
        return c.path("data");
      }
    }
    throw new AssertionError("no readiness check " + check + " in " + body);
  }

  private static JsonNode get(URL health, String probe) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(health + probe))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s: %s", probe, r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }
}
