package io.openkruise.agents.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.time.Duration;

/** What the e2e tests on the local cluster start from. */
final class E2eFixtures {

  private E2eFixtures() {}

  /** The system namespace the services keep their key store and leases in. */
  static void ensureSystemNamespace(KubernetesClient client) {
    if (client.namespaces().withName("sandbox-system").get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName("sandbox-system")
                  .endMetadata()
                  .build())
          .create();
    }
  }

  static void awaitAvailable(KubernetesClient kube, String namespace, String set, int available) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              SandboxSet s =
                  kube.resources(SandboxSet.class).inNamespace(namespace).withName(set).get();
              return s != null
                  && s.getStatus() != null
                  && s.getStatus().getAvailableReplicas() >= available;
            });
  }
}
