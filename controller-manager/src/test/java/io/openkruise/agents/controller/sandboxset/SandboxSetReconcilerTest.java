package io.openkruise.agents.controller.sandboxset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithKubernetesTestServer
class SandboxSetReconcilerTest {

  @Inject KubernetesClient client;

  @Test
  void writesTheScaleSelectorIntoStatus() {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("pool-a");
    set.getMetadata().setNamespace("default");
    set.setSpec(new SandboxSetSpec());
    set.getSpec().setReplicas(0);
    client.resource(set).create();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              SandboxSet stored =
                  client
                      .resources(SandboxSet.class)
                      .inNamespace("default")
                      .withName("pool-a")
                      .get();
              assertThat(stored.getStatus()).isNotNull();
              assertThat(stored.getStatus().getSelector())
                  .isEqualTo(
                      "agents.kruise.io/sandbox-claimed=false,agents.kruise.io/sandbox-pool=pool-a");
            });
  }
}
