package io.openkruise.agents.controller.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one reconcile of a Sandbox should do, in order, and the status to write afterwards.
 *
 * @param status the status to write (null: leave the status alone)
 * @param requeueAfter the next deadline (shutdown or pause), so no polling is needed
 */
record SandboxPlan(
    List<Action> actions,
    SandboxStatus status,
    List<EventNote> events,
    Optional<Duration> requeueAfter) {

  sealed interface Action {
    /** {@code shutdownTime} passed. */
    record DeleteSandbox() implements Action {}

    /** {@code pauseTime} passed: set {@code spec.paused=true}. */
    record SetPaused() implements Action {}

    /** First reconcile: remember the template hash that guards in-place updates. */
    record RecordGuardHash(String hash) implements Action {}

    record EnsureVolumeClaims() implements Action {}

    record CreatePod(Pod pod) implements Action {}

    record DeletePod(long gracePeriodSeconds) implements Action {}

    /**
     * In-place update: new images by container name, the new {@code pod-template-hash}, and the
     * update record for the pod annotation.
     */
    record PatchPodImages(Map<String, String> images, String revision, String updateState)
        implements Action {}
  }
}
