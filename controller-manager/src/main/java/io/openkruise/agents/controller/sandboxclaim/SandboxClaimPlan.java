package io.openkruise.agents.controller.sandboxclaim;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaimStatus;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One SandboxClaim reconcile.
 *
 * @param toClaim how many sandboxes to try to claim now (0 when none are needed)
 * @param toInitialize claimed, Ready sandboxes whose runtime still needs {@code /init}
 * @param failed claimed sandboxes that missed {@code waitReadyTimeout}: deleted, or kept and marked
 *     when {@code reserveFailedSandbox}
 * @param deleteClaim the claim completed longer than {@code ttlAfterCompleted} ago
 */
record SandboxClaimPlan(
    SandboxClaimStatus status,
    int toClaim,
    List<Sandbox> toInitialize,
    List<Sandbox> failed,
    boolean deleteClaim,
    List<EventNote> events,
    Optional<Duration> requeueAfter) {}
