package io.openkruise.agents.manager;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.net.URL;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class HealthTest {

  @TestHTTPResource(value = "/health/", management = true)
  URL health;

  @Test
  void liveAndReady() {
    given().when().get(health + "live").then().statusCode(200).body("status", equalTo("UP"));
    given().when().get(health + "ready").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void readinessReportsConfigurationFromApplicationProperties() {
    given()
        .when()
        .get(health + "ready")
        .then()
        .statusCode(200)
        .body("checks.find { it.name == 'configuration' }.data.domain", equalTo("localhost"))
        .body(
            "checks.find { it.name == 'configuration' }.data.systemNamespace",
            equalTo("sandbox-system"))
        .body("checks.find { it.name == 'configuration' }.data.servedNamespaces", equalTo("*"));
  }
}
