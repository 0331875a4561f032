package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The two deadlines of a claimed sandbox. Without autoPause the sandbox is deleted at {@code
 * shutdownTime}; with autoPause the controller pauses it at {@code pauseTime} and the paused
 * sandbox is kept for the retention period, so {@code shutdownTime = pauseTime + retention}.
 *
 * @param pauseTime null when the sandbox is not auto-paused
 */
public record Deadlines(Instant shutdownTime, Instant pauseTime) {

  public boolean autoPause() {
    return pauseTime != null;
  }

  /** The E2B {@code endAt}: when the sandbox stops running. */
  public Instant endAt() {
    return pauseTime != null ? pauseTime : shutdownTime;
  }

  /** Deadlines of a sandbox that runs for {@code timeout} from {@code now}. */
  public static Deadlines running(
      Instant now, Duration timeout, boolean autoPause, Duration retention) {
    if (autoPause) {
      Instant pause = now.plus(timeout);
      return new Deadlines(pause.plus(retention), pause);
    }
    return new Deadlines(now.plus(timeout), null);
  }

  /**
   * Deadlines of a sandbox paused now: kept for the retention. {@code pauseTime} stays, it only
   * remembers that the sandbox was auto-paused (the controller ignores it once paused).
   */
  public static Deadlines paused(Instant now, Duration retention, Deadlines current) {
    return new Deadlines(now.plus(retention), current.pauseTime());
  }

  /** Reads the deadlines from a sandbox; a missing shutdown time reads as {@link Instant#MAX}. */
  public static Deadlines of(Sandbox sandbox) {
    String shutdown = sandbox.getSpec() == null ? null : sandbox.getSpec().getShutdownTime();
    String pause = sandbox.getSpec() == null ? null : sandbox.getSpec().getPauseTime();
    return new Deadlines(
        SandboxState.parseTime(shutdown).orElse(Instant.MAX),
        SandboxState.parseTime(pause).orElse(null));
  }

  /**
   * Connect's rule: the new end is {@code now + timeout} in the sandbox's own mode, applied only
   * when it is later than the current end (connect never shortens a lifetime).
   */
  public static Optional<Deadlines> extend(
      Deadlines current, Instant now, Duration timeout, Duration retention) {
    Deadlines next = running(now, timeout, current.autoPause(), retention);
    return next.endAt().isAfter(current.endAt()) ? Optional.of(next) : Optional.empty();
  }

  /** The {@code spec} part of a merge patch writing these deadlines (null removes pauseTime). */
  public Map<String, Object> specPatch() {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("shutdownTime", Timeouts.format(shutdownTime));
    spec.put("pauseTime", pauseTime == null ? null : Timeouts.format(pauseTime));
    return spec;
  }
}
