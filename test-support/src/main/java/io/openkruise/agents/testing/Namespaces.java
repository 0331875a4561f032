package io.openkruise.agents.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Namespaces a test needs by name (the system namespace, a team). */
public final class Namespaces {

  private Namespaces() {}

  /**
   * Namespace {@code name}, created unless it exists. A plain create, not server-side apply: the
   * mock API server has none.
   */
  public static void ensure(KubernetesClient client, String name) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
    }
  }
}
