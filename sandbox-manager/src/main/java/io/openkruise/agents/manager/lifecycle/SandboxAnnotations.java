package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;

/**
 * Sets one annotation on a Sandbox with a JSON merge patch and no resourceVersion: a concurrent
 * write elsewhere is no conflict. For records whose value does not depend on what else changed (the
 * init mark, the network rules); guarded writes go through {@link GuardedPatch}.
 */
final class SandboxAnnotations {

  private SandboxAnnotations() {}

  /** The patched Sandbox; a missing one surfaces as the client's 404. */
  static Sandbox set(KubernetesClient client, Sandbox sandbox, String key, String value) {
    return client
        .resources(Sandbox.class)
        .inNamespace(sandbox.getMetadata().getNamespace())
        .withName(sandbox.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client
                .getKubernetesSerialization()
                .asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }
}
