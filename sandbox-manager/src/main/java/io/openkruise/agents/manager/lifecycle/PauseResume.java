package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.Deadlines;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.PausedRetention;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Pause ({@code spec.paused=true}; the controller deletes the pod and keeps the Sandbox) and resume
 * (new pod, fresh deadlines, runtime set up again), each as one guarded write.
 */
final class PauseResume {

  private static final Logger LOG = Logger.getLogger(PauseResume.class);

  private final GuardedWrites writes;
  private final CacheWaits waits;
  private final ResumeNudge nudge;
  private final RuntimeSetup setup;
  private final RunningQuota quota;
  private final ManagerConfig.E2b settings;
  private final Clock clock;

  PauseResume(
      GuardedWrites writes,
      CacheWaits waits,
      RuntimeSetup setup,
      RunningQuota quota,
      ManagerConfig.E2b settings,
      Clock clock) {
    this.writes = writes;
    this.waits = waits;
    this.nudge = new ResumeNudge(waits);
    this.setup = setup;
    this.quota = quota;
    this.settings = settings;
    this.clock = clock;
  }

  /** Records the pause and keeps the sandbox for the retention period; 409 when not running. */
  void pause(Sandbox s, String id) {
    pause(s, id, Optional.empty());
  }

  /**
   * As {@link #pause(Sandbox, String)}; {@code reserveFor} (the pause header's value, already
   * validated) replaces the sandbox's retention and is kept on it for later pauses.
   */
  void pause(Sandbox s, String id, Optional<String> reserveFor) {
    // Right after a claim the controller is still writing the sandbox: a stale resourceVersion
    // must not surface as 409, which the SDKs read as "already paused" (pause() returns false);
    // the guarded write re-reads and re-checks instead, and a pause that happened meanwhile is 409.
    writes.write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict("sandbox " + id + " is already paused");
          }
          Deadlines now = Deadlines.of(current);
          Map<String, Object> spec = new LinkedHashMap<>();
          if (!neverTimeout(now)) {
            Duration retention =
                reserveFor
                    .map(v -> PausedRetention.parse(v, "reserve-paused-sandbox-duration"))
                    .orElseGet(() -> PausedRetention.of(current, settings.pausedRetention()));
            spec.putAll(Deadlines.paused(clock.instant(), retention, now).specPatch());
          }
          spec.put("paused", true);
          Map<String, Object> patch = new LinkedHashMap<>();
          patch.put("spec", spec);
          reserveFor.ifPresent(
              v ->
                  patch.put(
                      "metadata",
                      Map.of(
                          "annotations",
                          Map.of(MetadataKeys.ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION, v))));
          return Optional.of(patch);
        });
    LOG.infof("paused sandbox=%s", id);
  }

  /**
   * Waits for a pause in progress to finish (the old pod must be gone), sets {@code
   * spec.paused=false} with fresh deadlines, waits for Ready, then sets up the runtime again.
   */
  Sandbox resume(Caller caller, Sandbox s, Duration timeout) {
    // A resumed sandbox runs again: it needs one of the key's running slots.
    try (RunningQuota.Reservation slot = quota.reserve(caller, s, clock.instant())) {
      slot.bind(s);
      String id = SandboxView.id(s);
      Duration wait = settings.waitReadyTimeout();
      if (s.getSpec() != null && s.getSpec().isPaused() && !pauseFinished(s)) {
        s = waits.await(s, PauseResume::pauseFinished, wait, "finish pausing");
      }
      Sandbox patched = writes.write(s, current -> resumePlan(current, timeout));
      Sandbox running =
          nudge.awaitResumed(
              patched,
              this::resumedAndRunning,
              wait,
              current ->
                  writes.write(current, x -> Optional.of(Map.of("spec", resumeSpec(x, timeout)))));
      setup.reinit(running);
      LOG.infof("resumed sandbox=%s owner=%s", id, caller.id());
      return running;
    }
  }

  /** {@code paused=false} with fresh deadlines, unless someone resumed it meanwhile. */
  private Optional<Map<String, Object>> resumePlan(Sandbox current, Duration timeout) {
    if (current.getSpec() != null && !current.getSpec().isPaused()) {
      return Optional.empty();
    }
    return Optional.of(Map.of("spec", resumeSpec(current, timeout)));
  }

  private Map<String, Object> resumeSpec(Sandbox current, Duration timeout) {
    Deadlines now = Deadlines.of(current);
    Map<String, Object> spec = new LinkedHashMap<>();
    if (!neverTimeout(now)) {
      spec.putAll(
          Deadlines.running(
                  clock.instant(),
                  timeout,
                  now.autoPause(),
                  PausedRetention.of(current, settings.pausedRetention()))
              .specPatch());
    }
    spec.put("paused", false);
    return spec;
  }

  /** Created with never-timeout: no deadline at all, and pause or resume add none. */
  private static boolean neverTimeout(Deadlines d) {
    return d.shutdownTime().equals(Instant.MAX) && d.pauseTime() == null;
  }

  private boolean resumedAndRunning(Sandbox x) {
    return (x.getSpec() == null || !x.getSpec().isPaused()) && state(x) == SandboxState.RUNNING;
  }

  private static boolean pauseFinished(Sandbox s) {
    return s.getStatus() != null
        && (Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.SANDBOX_PAUSED)
            || SandboxPhase.PAUSED.equals(s.getStatus().getPhase()));
  }

  private SandboxState state(Sandbox s) {
    return SandboxState.of(s, clock.instant());
  }
}
