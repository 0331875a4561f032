package io.openkruise.agents.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.service.client.CertificateAuthConfig;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** service-support's client config customizer is a bean of this application (found by index). */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class CertificateAuthConfigTest {

  @Inject @Any Instance<KubernetesConfigCustomizer> customizers;

  @Test
  void kubernetesClientConfigGoesThroughCertificateAuthRefresh() {
    assertThat(customizers.stream()).hasAtLeastOneElementOfType(CertificateAuthConfig.class);
  }
}
