package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;

/**
 * JSON merge patches of a Sandbox: the one place both services send them from. The protocol's
 * versioned patches ({@link VersionedPatch}) carry {@code metadata.resourceVersion}; {@link
 * #setAnnotation} does not, for records whose value does not depend on what else changed (the
 * runtime-initialized mark, the network rules, the guard hash, a failed claim's reason), so a
 * concurrent write elsewhere is no conflict.
 */
public final class SandboxMergePatch {

  private SandboxMergePatch() {}

  /**
   * Records that the sandbox's runtime was initialised ({@code runtime-initialized: "true"}): the
   * end of a claim that initialises its runtime, whoever completes it (the E2B create, the
   * SandboxClaim reconciler, or the controller on finding an initialised runtime).
   */
  public static Sandbox markRuntimeInitialized(KubernetesClient client, Sandbox sandbox) {
    return setAnnotation(client, sandbox, MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");
  }

  /**
   * Sets one annotation, unguarded.
   *
   * @return the Sandbox as stored after the patch; a missing one surfaces as the client's 404
   */
  public static Sandbox setAnnotation(
      KubernetesClient client, Sandbox sandbox, String key, String value) {
    return send(client, sandbox, Map.of("metadata", Map.of("annotations", Map.of(key, value))));
  }

  /** Sends {@code patch} (a JSON-ready map) as a merge patch of {@code target}. */
  static Sandbox send(KubernetesClient client, Sandbox target, Map<String, ?> patch) {
    return client
        .resources(Sandbox.class)
        .inNamespace(target.getMetadata().getNamespace())
        .withName(target.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(patch));
  }
}
