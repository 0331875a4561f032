package io.openkruise.agents.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import org.junit.jupiter.api.Test;

/** The explicit fallback tier works and says what it is. */
@io.openkruise.agents.testing.tier.MockTier
class MockTierTest {
  @Test
  void mockTierServesOurCrdsAndNamesItself() {
    try (LocalCluster mock = LocalCluster.startMock()) {
      assertThat(mock.isReal()).isFalse();
      assertThat(mock.node()).isEmpty();
      assertThat(mock.description()).startsWith("fabric8 CRUD mock server at http://");
      String ns = mock.createNamespace("MockTierTest");
      Sandbox s = new Sandbox();
      s.getMetadata().setName("s");
      s.getMetadata().setNamespace(ns);
      mock.client().resource(s).create();
      assertThat(mock.client().resources(Sandbox.class).inNamespace(ns).withName("s").get())
          .isNotNull();
      assertThat(mock.quarkusConfig(ns))
          .containsEntry("quarkus.kubernetes-client.trust-certs", "true");
    }
  }
}
