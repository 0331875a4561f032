package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.Deadlines;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.PausedRetention;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Timeout writes on a running sandbox: set timeout (may shorten), refresh and connect (extend
 * only). Each is planned again on every conflict, so another replica's longer extension stays.
 */
final class DeadlineWrites {

  private final GuardedWrites writes;
  private final ManagerConfig.E2b settings;
  private final Clock clock;

  DeadlineWrites(GuardedWrites writes, ManagerConfig.E2b settings, Clock clock) {
    this.writes = writes;
    this.settings = settings;
    this.clock = clock;
  }

  /** Set timeout: {@code now + timeout} in the sandbox's mode; may shorten. Running only. */
  void setTimeout(Sandbox s, String id, Duration timeout) {
    writes.write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict("sandbox " + id + " is paused; connect to resume it first");
          }
          Deadlines next =
              Deadlines.running(
                  clock.instant(),
                  timeout,
                  Deadlines.of(current).autoPause(),
                  PausedRetention.of(current, settings.pausedRetention()));
          return Optional.of(Map.of("spec", next.specPatch()));
        });
  }

  /** Refreshes: extend-only, running only. */
  void refresh(Sandbox s, String id, Duration duration) {
    writes.write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict("sandbox " + id + " is paused");
          }
          return extension(current, duration);
        });
  }

  /**
   * Connect to a running sandbox: only ever a later end. A sandbox paused meanwhile keeps its
   * retention (409; the client's retry of connect resumes it).
   */
  Sandbox extendOnConnect(Sandbox s, String id, Duration timeout) {
    return writes.write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict(
                "sandbox " + id + " was paused concurrently; connect again to resume it");
          }
          return extension(current, timeout);
        });
  }

  /** Connect's and refresh's rule on the sandbox as it is: a later end, or nothing to write. */
  private Optional<Map<String, Object>> extension(Sandbox current, Duration timeout) {
    return Deadlines.extend(
            Deadlines.of(current),
            clock.instant(),
            timeout,
            PausedRetention.of(current, settings.pausedRetention()))
        .map(d -> Map.of("spec", d.specPatch()));
  }

  private SandboxState state(Sandbox s) {
    return SandboxState.of(s, clock.instant());
  }
}
