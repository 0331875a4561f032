package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.RuntimeInitDecision;
import io.openkruise.agents.api.claim.SandboxMergePatch;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.SandboxView;
import java.time.Duration;
import java.util.List;

/**
 * The runtime-initialized mark of a create that initialises the runtime: the claim patch writes
 * {@code agents.kruise.io/runtime-initialized: "false"}, and {@link #write} sets {@code "true"}
 * once {@code /init} (and any mount) succeeded, before the client gets its answer. A sandbox whose
 * manager died in between keeps {@code "false"}, and the controller deletes it after a bound
 * ({@code kruise.controller.unfinished-claim-timeout}).
 */
final class InitMark {

  private InitMark() {}

  /** Whether this create will initialise the runtime (then its claim writes the mark "false"). */
  static boolean expected(Extensions ext, List<SandboxSet> sets) {
    return !ext.skipInitRuntime() && sets.stream().anyMatch(RuntimeInitDecision::shouldInit);
  }

  /**
   * Sets the mark (a plain merge patch of one annotation: a concurrent write elsewhere is no
   * conflict). A sandbox the controller already gave up on is being deleted: the create fails
   * rather than hand out a sandbox that is going away.
   */
  static Sandbox write(KubernetesClient client, Sandbox sandbox) {
    Sandbox marked =
        SandboxMergePatch.setAnnotation(
            client, sandbox, MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");
    if (marked.getMetadata().getDeletionTimestamp() != null) {
      throw E2bException.internal(
          "sandbox " + SandboxView.id(sandbox) + " was deleted before its create completed");
    }
    return marked;
  }

  /** The test-only delay before {@code /init} (see {@code testOnlyDelayBeforeInit}). */
  static void sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw E2bException.unavailable("interrupted");
    }
  }
}
