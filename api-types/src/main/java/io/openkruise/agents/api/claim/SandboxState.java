package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.ApiGroup;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * The derived state of a sandbox that pool, API and routing all agree on (the original's state
 * function, evaluated in the same order).
 */
public enum SandboxState {
  /** In a pool, not Ready yet. */
  CREATING,
  /** In a pool and Ready: a claim candidate (if also unlocked). */
  AVAILABLE,
  /** Claimed and Ready. */
  RUNNING,
  /** Claimed and paused, pausing or resuming. */
  PAUSED,
  /** Deleted, expired, terminal, or claimed but not Ready. */
  DEAD;

  public static SandboxState of(Sandbox sandbox, Instant now) {
    if (sandbox.getMetadata().getDeletionTimestamp() != null) {
      return DEAD;
    }
    Optional<Instant> shutdown =
        Optional.ofNullable(sandbox.getSpec())
            .map(s -> s.getShutdownTime())
            .flatMap(SandboxState::parseTime);
    if (shutdown.isPresent() && !shutdown.get().isAfter(now)) {
      return DEAD;
    }
    SandboxStatus status = sandbox.getStatus();
    String phase = status == null || status.getPhase() == null ? "" : status.getPhase();
    switch (phase) {
      case SandboxPhase.PENDING:
        return CREATING;
      case SandboxPhase.SUCCEEDED, SandboxPhase.FAILED, SandboxPhase.TERMINATING:
        return DEAD;
      default:
        break;
    }
    boolean ready =
        status != null && Conditions.isTrue(status.getConditions(), ConditionTypes.READY);
    if (poolOwner(sandbox).isPresent()) {
      return ready ? AVAILABLE : CREATING;
    }
    if (SandboxPhase.RUNNING.equals(phase)) {
      if (sandbox.getSpec() != null && sandbox.getSpec().isPaused()) {
        return PAUSED;
      }
      return ready ? RUNNING : DEAD;
    }
    return PAUSED;
  }

  /** The controller owner reference to a SandboxSet, if the sandbox is still in a pool. */
  public static Optional<OwnerReference> poolOwner(Sandbox sandbox) {
    List<OwnerReference> refs = sandbox.getMetadata().getOwnerReferences();
    return (refs == null ? List.<OwnerReference>of() : refs)
        .stream().filter(SandboxState::isPoolOwner).findFirst();
  }

  /** True for a controller reference to a SandboxSet. */
  public static boolean isPoolOwner(OwnerReference ref) {
    return Boolean.TRUE.equals(ref.getController())
        && ApiGroup.API_VERSION.equals(ref.getApiVersion())
        && SandboxSet.class.getSimpleName().equals(ref.getKind());
  }

  /**
   * True when the sandbox may be claimed: pool-owned, Ready, labelled unclaimed, unlocked and with
   * an IP to route to.
   */
  public static boolean isClaimable(Sandbox sandbox, Instant now) {
    var labels = sandbox.getMetadata().getLabels();
    return of(sandbox, now) == AVAILABLE
        && labels != null
        && "false".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))
        && !ScaleDownLock.isLocked(sandbox)
        && sandbox.getStatus().getSandboxIp() != null
        && !sandbox.getStatus().getSandboxIp().isEmpty();
  }

  /** Parses an RFC 3339 time as Kubernetes writes it; empty for null or malformed values. */
  public static Optional<Instant> parseTime(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(value).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
