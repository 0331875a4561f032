package io.openkruise.agents.controller.sandbox;

import io.fabric8.kubernetes.api.model.Condition;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.controller.support.EventNote;
import io.openkruise.agents.envd.init.InitClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pure decision: is this a claim that never completed? An E2B create writes {@code
 * agents.kruise.io/runtime-initialized: "false"} in its claim patch when the runtime is to be
 * initialised, and {@code "true"} once {@code /init} (and any mount) succeeded: a fast create right
 * after answering the client, off its critical path; a slow one (near this bound) before. A sandbox
 * still marked {@code "false"} a bounded time after it could have been initialised lost its
 * sandbox-manager somewhere in between (crash, SIGKILL, node loss). The runtime knows which side of
 * {@code /init} that was ({@link #settle}, after a probe): initialised, the client may hold it, so
 * the mark is written for the manager; never initialised, nobody will finish it and its tokens and
 * env may already have left the manager, so it is deleted, never put back.
 *
 * <p>Never touched: sandboxes without the mark (skip-init-runtime creates, templates without init,
 * SandboxClaim claims, which their reconciler finishes itself, and anything claimed before the mark
 * existed), marked {@code "true"}, not running and Ready (a freshly created sandbox the manager is
 * still waiting for; its Ready change brings the next reconcile), or being deleted.
 */
final class UnfinishedClaims {

  /** What to do with one sandbox. */
  sealed interface Decision {}

  /** Not an unfinished claim (or the reaper is off). */
  record Keep() implements Decision {}

  /** Unfinished, but its manager may still be working: look again at {@code deadline}. */
  record WaitUntil(Instant deadline) implements Decision {}

  /** Unfinished past the bound: ask its runtime whether {@code /init} ran, then {@link #settle}. */
  record Probe(Instant claimed, Duration bound) implements Decision {}

  /** Initialised, but its manager stopped before recording it: write the mark, with this Event. */
  record MarkInitialised(EventNote event) implements Decision {}

  /** Never initialised (or its runtime does not answer): delete it, with this Event. */
  record Delete(EventNote event) implements Decision {}

  static final String REASON = "ClaimNeverCompleted";
  static final String REASON_COMPLETED = "ClaimCompletedByController";

  private UnfinishedClaims() {}

  /**
   * @param bound how long after the later of claim time and Ready time the mark may be missing;
   *     zero or negative turns the reaper off
   */
  static Decision decide(Sandbox sandbox, Instant now, Duration bound) {
    if (bound.isZero() || bound.isNegative()) {
      return new Keep();
    }
    Map<String, String> labels = sandbox.getMetadata().getLabels();
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    if (sandbox.getMetadata().getDeletionTimestamp() != null
        || labels == null
        || annotations == null
        || !"true".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))
        || !"false".equals(annotations.get(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED))) {
      return new Keep();
    }
    var status = sandbox.getStatus();
    Optional<Condition> ready =
        status == null
            ? Optional.empty()
            : Conditions.find(status.getConditions(), ConditionTypes.READY)
                .filter(c -> ConditionTypes.STATUS_TRUE.equals(c.getStatus()));
    if (status == null || !SandboxPhase.RUNNING.equals(status.getPhase()) || ready.isEmpty()) {
      return new Keep();
    }
    Optional<Instant> claimed =
        SandboxState.parseTime(annotations.get(MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP));
    if (claimed.isEmpty()) {
      return new Keep(); // Not written by our claim protocol; not ours to judge.
    }
    // The manager initialises only once the sandbox is Ready (a created or in-place updated one
    // becomes Ready after its claim), so the bound runs from the later of the two.
    Instant since =
        Stream.of(claimed, ready.flatMap(c -> SandboxState.parseTime(c.getLastTransitionTime())))
            .flatMap(Optional::stream)
            .max(Instant::compareTo)
            .orElseThrow();
    Instant deadline = since.plus(bound);
    if (now.isBefore(deadline)) {
      return new WaitUntil(deadline);
    }
    return new Probe(claimed.get(), bound);
  }

  /** What to do with a {@link Probe}d sandbox, given what its runtime said. */
  static Decision settle(Probe probe, InitClient.InitState runtime) {
    String claimed = "claimed at " + probe.claimed();
    return switch (runtime) {
      case INITIALISED ->
          new MarkInitialised(
              EventNote.normal(
                  REASON_COMPLETED,
                  claimed
                      + "; its runtime was initialised but the sandbox-manager that claimed it"
                      + " stopped before recording that; recorded now"));
      case NOT_INITIALISED, UNREACHABLE ->
          new Delete(
              EventNote.warning(
                  REASON,
                  claimed
                      + " but its runtime "
                      + (runtime == InitClient.InitState.UNREACHABLE
                          ? "did not answer whether it was initialised"
                          : "was never initialised")
                      + " within "
                      + probe.bound().toSeconds()
                      + "s (the sandbox-manager that claimed it stopped before finishing the"
                      + " create); deleting it, since its access token may have been handed out"));
    };
  }
}
