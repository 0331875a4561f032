package io.openkruise.agents.manager.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.manager.support.ConfigProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An anonymous caller guessing API keys, or sandbox IDs and tokens, from one address is cut off
 * with 429 E2B JSON once it used up its failures; before the fix it could guess forever.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(FailedAuthRateLimitTest.Profile.class)
@io.openkruise.agents.testing.tier.MockTier
class FailedAuthRateLimitTest {

  static final int BURST = 10;

  /** Ten failures, refilled far slower than the test runs. */
  public static class Profile extends ConfigProfile {
    public Profile() {
      super(
          Map.of(
              "kruise.e2b.auth.failed-burst",
              String.valueOf(BURST),
              "kruise.e2b.auth.failed-per-second",
              "0.0001"));
    }
  }

  @Test
  void guessingKeysOrSandboxesFromOneAddressEndsIn429() {
    for (int i = 0; i < BURST; i++) {
      Response r =
          given()
              .header("X-API-Key", "e2b_" + "de".repeat(19) + String.format("%02x", i))
              .get("/v2/sandboxes");
      assertThat(r.statusCode()).as("guess %d", i).isEqualTo(401);
    }
    Response limited = given().header("X-API-Key", "e2b_" + "f".repeat(40)).get("/v2/sandboxes");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.jsonPath().getInt("code")).isEqualTo(429);
    assertThat(limited.jsonPath().getString("message")).isNotBlank();
    // The proxy shares the budget: the same address gets 429 there too, before any lookup.
    Response proxied =
        given()
            .header("E2b-Sandbox-Id", "0123456789abcdefghij")
            .header("E2b-Sandbox-Port", "49983")
            .get("/health");
    assertThat(proxied.statusCode()).isEqualTo(429);
    assertThat(proxied.jsonPath().getInt("code")).isEqualTo(429);
  }
}
