package io.openkruise.agents.manager.api;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bodies, content types and keys on every route: never a 5xx, and every error is E2B JSON
 * whose {@code code} equals the status.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class FuzzTest {

  static final String[] FIELDS = {
    "templateID",
    "timeout",
    "autoPause",
    "secure",
    "metadata",
    "envVars",
    "duration",
    "name",
    "memory",
    "network",
    "autoResume"
  };
  static final ObjectMapper JSON = new ObjectMapper();

  @Inject KubernetesClient client;
  @Inject SandboxCache cache;

  record Route(String method, String path) {}

  private Object randomValue(Random r, int depth) {
    return switch (r.nextInt(depth > 2 ? 6 : 8)) {
      case 0 -> null;
      case 1 -> r.nextBoolean();
      case 2 -> r.nextInt() % 100_000;
      case 3 -> r.nextDouble() * (r.nextBoolean() ? 1e12 : -10);
      case 4 -> randomString(r);
      case 5 -> "e2b.agents.kruise.io/" + randomString(r);
      case 6 -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          m.put(
              r.nextBoolean() ? FIELDS[r.nextInt(FIELDS.length)] : randomString(r),
              randomValue(r, depth + 1));
        }
        yield m;
      }
      default -> {
        List<Object> l = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
          l.add(randomValue(r, depth + 1));
        }
        yield l;
      }
    };
  }

  private static String randomString(Random r) {
    String alphabet = "abcXYZ019-_./:=&% \"\\{}\u00e9\u2603";
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private byte[] randomBody(Random r) throws Exception {
    switch (r.nextInt(5)) {
      case 0:
        byte[] raw = new byte[r.nextInt(64)];
        r.nextBytes(raw);
        return raw;
      case 1:
        return new byte[0];
      case 2:
        return randomString(r).getBytes(StandardCharsets.UTF_8);
      default:
        Map<String, Object> m = new LinkedHashMap<>();
        for (String f : FIELDS) {
          if (r.nextInt(3) == 0) {
            m.put(f, randomValue(r, 0));
          }
        }
        return JSON.writeValueAsBytes(r.nextInt(6) == 0 ? randomValue(r, 0) : m);
    }
  }

  @Test
  void randomInputNeverCausesA5xx() throws Exception {
    Fixtures.pool(client, "fuzz", "tpl-fuzz", 1, null, false);
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.pool("tpl-fuzz").size() == 1);
    String owned =
        given()
            .header("X-API-Key", ADMIN)
            .contentType("application/json")
            .body("{\"templateID\":\"tpl-fuzz\"}")
            .post("/sandboxes")
            .then()
            .statusCode(201)
            .extract()
            .path("sandboxID");
    List<Route> routes = new ArrayList<>();
    for (String prefix : List.of("", "/kruise/api")) {
      routes.add(new Route("POST", prefix + "/sandboxes"));
      routes.add(new Route("POST", prefix + "/v2/sandboxes"));
      routes.add(new Route("GET", prefix + "/v2/sandboxes"));
      routes.add(new Route("GET", prefix + "/sandboxes"));
      routes.add(new Route("GET", prefix + "/templates"));
      routes.add(new Route("GET", prefix + "/templates/x"));
      routes.add(new Route("GET", prefix + "/api-keys"));
      routes.add(new Route("POST", prefix + "/api-keys"));
      routes.add(new Route("DELETE", prefix + "/api-keys/nope"));
      for (String id : List.of("default--missing", "x", "UPPER--Case")) {
        for (String sub : List.of("/pause", "/resume", "/connect", "/timeout", "/refreshes")) {
          routes.add(new Route("POST", prefix + "/sandboxes/" + id + sub));
        }
        routes.add(new Route("POST", prefix + "/v2/sandboxes/" + id + "/connect"));
        routes.add(new Route("GET", prefix + "/sandboxes/" + id));
        routes.add(new Route("DELETE", prefix + "/sandboxes/" + id));
      }
      // Routes that leave a running sandbox running (or answer 4xx) whatever the body says.
      routes.add(new Route("GET", prefix + "/sandboxes/" + owned));
      routes.add(new Route("POST", prefix + "/sandboxes/" + owned + "/timeout"));
      routes.add(new Route("POST", prefix + "/sandboxes/" + owned + "/refreshes"));
      routes.add(new Route("POST", prefix + "/sandboxes/" + owned + "/resume"));
      routes.add(new Route("GET", prefix + "/sandboxes/" + owned + "/metrics"));
      routes.add(new Route("GET", prefix + "/sandboxes/" + owned + "/logs"));
    }
    Random r = new Random(7);
    String[] types = {"application/json", "text/plain", "application/octet-stream", null, "x/y"};
    int requests = 0;
    for (Route route : routes) {
      for (int i = 0; i < 12; i++) {
        var spec = given().header("X-API-Key", i == 0 ? "e2b_bad" : ADMIN);
        String type = types[r.nextInt(types.length)];
        if (type != null) {
          spec = spec.contentType(type);
        }
        byte[] body = randomBody(r);
        if (!route.method().equals("GET") && body.length > 0) {
          spec = spec.body(body);
        }
        Response res = spec.request(route.method(), route.path());
        requests++;
        int status = res.statusCode();
        assertThat(status)
            .as(
                "%s %s with %s",
                route.method(), route.path(), new String(body, StandardCharsets.UTF_8))
            .isLessThan(500);
        if (status >= 400) {
          assertThat(res.contentType()).startsWith("application/json");
          assertThat(res.jsonPath().getInt("code")).isEqualTo(status);
          assertThat(res.jsonPath().getString("message")).isNotBlank();
        }
      }
    }
    assertThat(requests).isGreaterThan(500);
  }
}
