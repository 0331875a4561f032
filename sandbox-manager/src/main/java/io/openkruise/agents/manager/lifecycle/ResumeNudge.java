package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Workaround for operator-framework/java-operator-sdk#3398: JOSDK 5.3.0 to 5.3.4 can drop a spec
 * change that lands while the controller's status patch is in flight, so a resume may never be
 * observed. When the controller has not observed the resume after {@link #NUDGE_AFTER}, the resume
 * is written once more (fresh deadlines, so a new generation) while the controller is idle.
 *
 * <p>Fixed upstream in JOSDK 5.3.5. Remove this class (and wait with {@link CacheWaits#await}
 * directly) once the controller-manager runs JOSDK 5.3.5 or later (today 5.3.2, through the Quarkus
 * Operator SDK BOM), together with the controller-manager's look-again in {@code
 * Patches.statusUpdate}.
 */
final class ResumeNudge {

  private static final Logger LOG = Logger.getLogger(ResumeNudge.class);

  /** When a resume the controller has not picked up is written again. */
  static final Duration NUDGE_AFTER = Duration.ofSeconds(5);

  private final CacheWaits waits;

  ResumeNudge(CacheWaits waits) {
    this.waits = waits;
  }

  /**
   * Waits up to {@code wait} for {@code ready}; {@code rewrite} writes the resume again on the
   * sandbox as cached and returns the patched sandbox.
   */
  Sandbox awaitResumed(
      Sandbox patched, Predicate<Sandbox> ready, Duration wait, UnaryOperator<Sandbox> rewrite) {
    if (wait.compareTo(NUDGE_AFTER.multipliedBy(2)) <= 0) {
      return waits.await(patched, ready, wait, "become Ready after resume");
    }
    try {
      return waits.await(patched, ready, NUDGE_AFTER, "become Ready");
    } catch (E2bException e) {
      if (e.status() != 504) {
        throw e;
      }
    }
    Sandbox current =
        waits
            .cache()
            .cached(patched.getMetadata().getNamespace(), patched.getMetadata().getName())
            .orElse(patched);
    Long observed =
        current.getStatus() == null ? null : current.getStatus().getObservedGeneration();
    Long generation = current.getMetadata().getGeneration();
    if (observed == null || (generation != null && observed < generation)) {
      LOG.warnf(
          "resume of sandbox=%s not observed by the controller (generation %s, observed %s);"
              + " writing it again",
          SandboxView.id(current), generation, observed);
      patched = rewrite.apply(current);
    }
    return waits.await(patched, ready, wait.minus(NUDGE_AFTER), "become Ready after resume");
  }
}
