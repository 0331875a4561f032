package io.openkruise.agents.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.service.client.CertificateAuthConfig;
import io.openkruise.agents.testing.HealthEndpoints;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * Liveness and readiness; the readiness check {@code configuration} and the client config
 * customizer are service-support's beans, found through its index.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class HealthTest {

  @TestHTTPResource(value = "/health/", management = true)
  URL health;

  @Inject @Any Instance<KubernetesConfigCustomizer> customizers;

  @Test
  void liveAndReady() throws Exception {
    HealthEndpoints.assertUp(health);
  }

  @Test
  void readinessReportsConfigurationFromApplicationProperties() throws Exception {
    JsonNode data = HealthEndpoints.readinessData(health, "configuration");
    assertThat(data.path("systemNamespace").asText()).isEqualTo("sandbox-system");
    assertThat(data.path("leaderElectionLease").asText())
        .isEqualTo("kruise-agents-controller-manager");
  }

  @Test
  void kubernetesClientConfigGoesThroughCertificateAuthRefresh() {
    assertThat(customizers.stream()).hasAtLeastOneElementOfType(CertificateAuthConfig.class);
  }
}
