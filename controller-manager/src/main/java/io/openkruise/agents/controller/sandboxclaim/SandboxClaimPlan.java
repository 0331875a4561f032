package io.openkruise.agents.controller.sandboxclaim;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaimStatus;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one SandboxClaim reconcile should do, in order, and the status to write afterwards. The
 * planner decides; {@link SandboxClaimReconciler} only executes.
 *
 * @param requeueAfter the next deadline (a sandbox's wait for Ready, the claim timeout, the TTL)
 */
record SandboxClaimPlan(
    SandboxClaimStatus status,
    List<Action> actions,
    List<EventNote> events,
    Optional<Duration> requeueAfter) {

  sealed interface Action {
    /** The claim completed longer than {@code ttlAfterCompleted} ago: delete it, nothing else. */
    record DeleteClaim() implements Action {}

    /** A claimed, Ready sandbox whose runtime still needs {@code /init}. */
    record InitRuntime(Sandbox sandbox) implements Action {}

    /**
     * A claimed sandbox that failed a post-claim step: deleted, or kept and marked when {@code
     * reserveFailedSandbox}.
     */
    record FailSandbox(Sandbox sandbox, String reason) implements Action {}

    /** Claim this many more (created straight into the claimed state on no stock, if allowed). */
    record ClaimSandboxes(int count) implements Action {}
  }

  /** How many sandboxes to try to claim now (0 when none are needed). */
  int toClaim() {
    return actions.stream()
        .filter(Action.ClaimSandboxes.class::isInstance)
        .mapToInt(a -> ((Action.ClaimSandboxes) a).count())
        .sum();
  }

  /** Claimed, Ready sandboxes whose runtime still needs {@code /init}. */
  List<Sandbox> toInitialize() {
    return actions.stream()
        .filter(Action.InitRuntime.class::isInstance)
        .map(a -> ((Action.InitRuntime) a).sandbox())
        .toList();
  }

  /** Claimed sandboxes that missed {@code waitReadyTimeout}. */
  List<Sandbox> failed() {
    return actions.stream()
        .filter(Action.FailSandbox.class::isInstance)
        .map(a -> ((Action.FailSandbox) a).sandbox())
        .toList();
  }

  boolean deleteClaim() {
    return actions.stream().anyMatch(Action.DeleteClaim.class::isInstance);
  }
}
