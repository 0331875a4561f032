package io.openkruise.agents.controller.sandboxset;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;

/**
 * Keeps a SandboxSet's warm pool. For now it maintains the parts of the status the scale
 * subresource depends on ({@code selector}, {@code observedGeneration}); pool sizing follows.
 */
@ControllerConfiguration(name = "sandboxset")
public class SandboxSetReconciler implements Reconciler<SandboxSet> {

  @Override
  public UpdateControl<SandboxSet> reconcile(SandboxSet set, Context<SandboxSet> context) {
    SandboxSetStatus current = set.getStatus() == null ? new SandboxSetStatus() : set.getStatus();
    SandboxSetStatus desired = SandboxSetStatusPlanner.plan(set, current);
    if (desired.equals(set.getStatus())) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(statusOnly(set, desired));
  }

  /** A fresh object carrying only identity and status, so the patch touches nothing else. */
  private static SandboxSet statusOnly(SandboxSet set, SandboxSetStatus status) {
    SandboxSet patch = new SandboxSet();
    patch.getMetadata().setName(set.getMetadata().getName());
    patch.getMetadata().setNamespace(set.getMetadata().getNamespace());
    patch.getMetadata().setResourceVersion(set.getMetadata().getResourceVersion());
    patch.setStatus(status);
    return patch;
  }
}
