package io.openkruise.agents.manager;

import static io.openkruise.agents.manager.support.TestKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.service.client.CertificateAuthConfig;
import io.openkruise.agents.testing.HealthEndpoints;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.net.URL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /q/*} (health, metrics with request paths) lives only on the management port: the public
 * E2B port answers it as any unknown path, with or without a key, and leaks no metric. Readiness
 * reports the configuration the service runs with. That check and the client config customizer are
 * service-support's beans, found through its index.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class ManagementPortTest {

  /** The management root: Quarkus serves it under {@code /q/}. */
  @TestHTTPResource(value = "/", management = true)
  URL management;

  @Inject @Any Instance<KubernetesConfigCustomizer> customizers;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/q/metrics",
        "/q/health",
        "/q/health/ready",
        "/q/health/live",
        "/q/health/started"
      })
  void publicPortAnswersQPathsAsUnknownPaths(String path) {
    for (String key : new String[] {null, ADMIN}) {
      var request = key == null ? given() : given().header("X-API-Key", key);
      String body =
          request
              .get(path)
              .then()
              .statusCode(404)
              .contentType(ContentType.JSON)
              .body("code", equalTo(404))
              .extract()
              .asString();
      assertThat(body).doesNotContain("# HELP", "jvm_", "kruise_", "\"status\"");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"health/live", "health/ready", "health/started"})
  void managementPortServesHealth(String path) throws Exception {
    assertThat(management.getPath()).isEqualTo("/q/");
    given().get(new URL(management, path)).then().statusCode(200).body("status", equalTo("UP"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"metrics"})
  void managementPortServesMetrics(String path) throws Exception {
    assertThat(given().get(new URL(management, path)).then().statusCode(200).extract().asString())
        .contains("# HELP", "jvm_");
  }

  @Test
  void readinessReportsConfigurationFromApplicationProperties() throws Exception {
    JsonNode data = HealthEndpoints.readinessData(new URL(management, "health/"), "configuration");
    assertThat(data.path("domain").asText()).isEqualTo("localhost");
    assertThat(data.path("systemNamespace").asText()).isEqualTo("sandbox-system");
    assertThat(data.path("servedNamespaces").asText()).isEqualTo("*");
  }

  @Test
  void kubernetesClientConfigGoesThroughCertificateAuthRefresh() {
    assertThat(customizers.stream()).hasAtLeastOneElementOfType(CertificateAuthConfig.class);
  }
}
