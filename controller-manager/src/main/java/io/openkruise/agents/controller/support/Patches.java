package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.CustomResource;

/** The status write every reconciler makes the same way. */
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
}
