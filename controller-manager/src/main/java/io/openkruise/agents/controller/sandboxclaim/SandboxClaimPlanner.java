package io.openkruise.agents.controller.sandboxclaim;

import static io.openkruise.agents.api.v1alpha1.ConditionTypes.COMPLETED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_ALL_REPLICAS_CLAIMED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_CLAIM_TIMEOUT_REACHED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_SANDBOX_SET_NOT_FOUND;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_TIMEOUT_REACHED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.TIMED_OUT;

import io.openkruise.agents.api.GoDuration;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimPhase;
import io.openkruise.agents.api.v1alpha1.SandboxClaimStatus;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.controller.sandboxclaim.SandboxClaimPlan.Action;
import io.openkruise.agents.controller.support.ConditionList;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pure decision of one SandboxClaim reconcile (Job semantics: Claiming until the desired number is
 * delivered or the claim times out, then Completed, then deleted after its TTL).
 */
final class SandboxClaimPlanner {

  /** The original's batch cap: at most this many claims per reconcile. */
  static final int MAX_BATCH = 50;

  static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofMinutes(1);
  static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  static final Duration DEFAULT_WAIT_READY = Duration.ofSeconds(30);

  static final String NOT_READY = "not Ready within waitReadyTimeout";

  private SandboxClaimPlanner() {}

  /**
   * @param setFound whether SandboxSet {@code spec.templateName} exists in the claim's namespace
   * @param initRuntime whether that set asks for runtime init after a claim
   * @param owned sandboxes labelled with this claim's name and owned by its UID (live read)
   */
  static SandboxClaimPlan plan(
      SandboxClaim claim, boolean setFound, boolean initRuntime, List<Sandbox> owned, Instant now) {
    SandboxClaimStatus current =
        claim.getStatus() == null ? new SandboxClaimStatus() : claim.getStatus();
    SandboxClaimStatus status = new SandboxClaimStatus();
    status.setObservedGeneration(claim.getMetadata().getGeneration());
    status.setPhase(current.getPhase());
    status.setMessage(current.getMessage());
    status.setClaimedReplicas(current.getClaimedReplicas());
    status.setClaimStartTime(current.getClaimStartTime());
    status.setCompletionTime(current.getCompletionTime());
    ConditionList conditions = new ConditionList(current.getConditions(), now);
    List<EventNote> events = new ArrayList<>();
    String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();

    if (SandboxClaimPhase.COMPLETED.equals(status.getPhase())) {
      status.setConditions(conditions.toList());
      Duration ttl = GoDuration.parseOr(claim.getSpec().getTtlAfterCompleted(), DEFAULT_TTL);
      if (ttl.isNegative()) {
        return done(status, events, false, Optional.empty());
      }
      Instant completed = SandboxState.parseTime(status.getCompletionTime()).orElse(now);
      Instant expiry = completed.plus(ttl);
      if (!expiry.isAfter(now)) {
        events.add(
            EventNote.normal("SandboxClaimTTLDelete", "ttlAfterCompleted " + ttl + " elapsed"));
        return done(status, events, true, Optional.empty());
      }
      return done(status, events, false, Optional.of(Duration.between(now, expiry)));
    }

    if (status.getPhase() == null || status.getPhase().isEmpty()) {
      status.setPhase(SandboxClaimPhase.CLAIMING);
      status.setClaimStartTime(stamp);
      events.add(
          EventNote.normal(
              "Claiming", "claiming from SandboxSet " + claim.getSpec().getTemplateName()));
    }
    int desired = claim.getSpec().getReplicas() == null ? 1 : claim.getSpec().getReplicas();

    if (!setFound) {
      String message =
          "SandboxSet "
              + claim.getSpec().getTemplateName()
              + " not found in namespace "
              + claim.getMetadata().getNamespace();
      complete(status, conditions, stamp, REASON_SANDBOX_SET_NOT_FOUND, message);
      events.add(EventNote.warning(REASON_SANDBOX_SET_NOT_FOUND, message));
      return done(status, events, false, Optional.empty());
    }

    Duration waitReady =
        GoDuration.parseOr(claim.getSpec().getWaitReadyTimeout(), DEFAULT_WAIT_READY);
    List<Sandbox> ready = new ArrayList<>();
    List<Sandbox> pending = new ArrayList<>();
    List<Sandbox> failed = new ArrayList<>();
    List<Sandbox> toInitialize = new ArrayList<>();
    Optional<Instant> nextWaitDeadline = Optional.empty();
    for (Sandbox s : owned) {
      if (gone(s) || annotation(s, MetadataKeys.ANNOTATION_CLAIM_FAILED) != null) {
        continue;
      }
      if (isReady(s)) {
        ready.add(s);
        if (initRuntime && annotation(s, MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED) == null) {
          toInitialize.add(s);
        }
        continue;
      }
      Instant deadline =
          SandboxState.parseTime(annotation(s, MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP))
              .orElse(now)
              .plus(waitReady);
      if (!deadline.isAfter(now)) {
        failed.add(s);
      } else {
        pending.add(s);
        nextWaitDeadline =
            Stream.concat(nextWaitDeadline.stream(), Stream.of(deadline)).min(Instant::compareTo);
      }
    }
    failed.forEach(
        s ->
            events.add(
                EventNote.warning(
                    "SandboxNotReady",
                    s.getMetadata().getName()
                        + " not Ready within waitReadyTimeout "
                        + waitReady)));

    // Delivered sandboxes count even if a user deletes one later (Job semantics), but one that
    // failed its post-claim steps never counted.
    int claimed = Math.max(current.getClaimedReplicas(), ready.size());
    status.setClaimedReplicas(Math.min(claimed, desired));
    status.setMessage("claimed " + status.getClaimedReplicas() + "/" + desired + " sandboxes");

    Duration timeout = GoDuration.parseOr(claim.getSpec().getClaimTimeout(), DEFAULT_CLAIM_TIMEOUT);
    Instant start = SandboxState.parseTime(status.getClaimStartTime()).orElse(now);
    Instant claimDeadline = start.plus(timeout);
    if (claimed >= desired && pending.isEmpty()) {
      complete(status, conditions, stamp, REASON_ALL_REPLICAS_CLAIMED, status.getMessage());
      events.add(EventNote.normal("ClaimCompleted", status.getMessage()));
      return withActions(status, toInitialize, failed, 0, events, Optional.of(Duration.ZERO));
    }
    if (!claimDeadline.isAfter(now)) {
      String message =
          "Timeout reached after "
              + timeout
              + ", claimed "
              + status.getClaimedReplicas()
              + "/"
              + desired
              + " sandboxes";
      conditions.set(TIMED_OUT, true, REASON_CLAIM_TIMEOUT_REACHED, message);
      complete(status, conditions, stamp, REASON_TIMEOUT_REACHED, message);
      events.add(EventNote.warning(REASON_TIMEOUT_REACHED, message));
      return withActions(status, toInitialize, failed, 0, events, Optional.of(Duration.ZERO));
    }
    int toClaim = Math.max(0, Math.min(MAX_BATCH, desired - claimed - pending.size()));
    status.setConditions(conditions.toList());
    Instant wake =
        Stream.concat(nextWaitDeadline.stream(), Stream.of(claimDeadline))
            .min(Instant::compareTo)
            .orElse(claimDeadline);
    return withActions(
        status, toInitialize, failed, toClaim, events, Optional.of(Duration.between(now, wake)));
  }

  private static void complete(
      SandboxClaimStatus status,
      ConditionList conditions,
      String stamp,
      String reason,
      String message) {
    status.setPhase(SandboxClaimPhase.COMPLETED);
    status.setCompletionTime(stamp);
    status.setMessage(message);
    conditions.set(COMPLETED, true, reason, message);
    status.setConditions(conditions.toList());
  }

  private static SandboxClaimPlan done(
      SandboxClaimStatus status,
      List<EventNote> events,
      boolean delete,
      Optional<Duration> requeue) {
    return new SandboxClaimPlan(
        status, delete ? List.of(new Action.DeleteClaim()) : List.of(), events, requeue);
  }

  /** In execution order: inits first, then failures, then new claims. */
  private static SandboxClaimPlan withActions(
      SandboxClaimStatus status,
      List<Sandbox> toInitialize,
      List<Sandbox> failed,
      int toClaim,
      List<EventNote> events,
      Optional<Duration> requeue) {
    List<Action> actions = new ArrayList<>();
    toInitialize.forEach(s -> actions.add(new Action.InitRuntime(s)));
    failed.forEach(s -> actions.add(new Action.FailSandbox(s, NOT_READY)));
    if (toClaim > 0) {
      actions.add(new Action.ClaimSandboxes(toClaim));
    }
    return new SandboxClaimPlan(status, actions, events, requeue);
  }

  /** A claimed sandbox counts as delivered once its pod runs and is Ready. */
  static boolean isReady(Sandbox s) {
    return s.getStatus() != null
        && SandboxPhase.RUNNING.equals(s.getStatus().getPhase())
        && Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.READY)
        && !Conditions.find(s.getStatus().getConditions(), ConditionTypes.INPLACE_UPDATE)
            .map(c -> ConditionTypes.STATUS_FALSE.equals(c.getStatus()))
            .orElse(false);
  }

  private static boolean gone(Sandbox s) {
    String phase = s.getStatus() == null ? null : s.getStatus().getPhase();
    return s.getMetadata().getDeletionTimestamp() != null
        || SandboxPhase.FAILED.equals(phase)
        || SandboxPhase.SUCCEEDED.equals(phase);
  }

  private static String annotation(Sandbox s, String key) {
    Map<String, String> annotations = s.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
