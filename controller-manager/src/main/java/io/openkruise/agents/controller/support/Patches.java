package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** The status write every reconciler makes the same way. */
public final class Patches {
  private Patches() {}

  /**
   * The status write of a reconcile: none when {@code status} is null or what the resource already
   * has, else a status-only patch ({@link #statusOnly}) after which the reconciler looks again at
   * once.
   *
   * <p>That second look works around operator-framework/java-operator-sdk#3398: JOSDK 5.3.0-5.3.4
   * takes a spec change that lands while this status patch is in flight (a resume right after a
   * pause, a {@code kubectl scale sbs}) for our own write and never reconciles it. The next pass
   * reads the patch's response, which carries any such change, and is a no-op otherwise. Fixed in
   * JOSDK 5.3.5: drop the {@code rescheduleAfter(0)} once the controller-manager runs 5.3.5 or
   * later (5.3.2 today, through the Quarkus Operator SDK BOM), together with the sandbox-manager's
   * {@code ResumeNudge}.
   */
  public static <S, T extends CustomResource<?, S>> UpdateControl<T> statusUpdate(
      T resource, S status) {
    if (status == null || status.equals(resource.getStatus())) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(statusOnly(resource, status)).rescheduleAfter(0);
  }

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
