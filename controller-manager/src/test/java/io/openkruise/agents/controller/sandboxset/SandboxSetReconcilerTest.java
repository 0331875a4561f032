package io.openkruise.agents.controller.sandboxset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Fast tier on the fabric8 mock server; the real API server tier lives in local-cluster. */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class SandboxSetReconcilerTest {

  @Inject KubernetesClient client;

  @Test
  void createsMembersAndWritesTheScaleSelector() {
    SandboxSet set = SandboxSetPlannerTest.set(2, "img:1");
    set.getMetadata().setUid(null);
    set.getMetadata().setGeneration(null);
    set.getMetadata().setAnnotations(null);
    set.getMetadata().setNamespace("default");
    set.getMetadata().setName("pool-a");
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
              assertThat(
                      client
                          .resources(Sandbox.class)
                          .inNamespace("default")
                          .withLabel("agents.kruise.io/sandbox-pool", "pool-a")
                          .list()
                          .getItems())
                  .hasSize(2);
            });
  }
}
