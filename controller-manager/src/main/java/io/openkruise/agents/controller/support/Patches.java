package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;

/** The writes every reconciler makes the same way. */
public final class Patches {
  private Patches() {}

  /**
   * A fresh object of the resource's kind carrying only identity and {@code status}, so a status
   * patch touches nothing else.
   */
  public static <S, T extends CustomResource<?, S>> T statusOnly(T resource, S status) {
    try {
      @SuppressWarnings("unchecked")
      T patch = (T) resource.getClass().getDeclaredConstructor().newInstance();
      patch.getMetadata().setName(resource.getMetadata().getName());
      patch.getMetadata().setNamespace(resource.getMetadata().getNamespace());
      patch.setStatus(status);
      return patch;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("CRD classes have a public no-arg constructor", e);
    }
  }

  /** Merges {@code annotations} into a Sandbox's annotations (one JSON merge patch). */
  public static void annotate(
      KubernetesClient client, Sandbox sandbox, Map<String, String> annotations) {
    client
        .resources(Sandbox.class)
        .inNamespace(sandbox.getMetadata().getNamespace())
        .withName(sandbox.getMetadata().getName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client
                .getKubernetesSerialization()
                .asJson(Map.of("metadata", Map.of("annotations", annotations))));
  }
}
