package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.claim.RuntimeInitDecision;
import io.openkruise.agents.api.claim.SandboxMergePatch;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.SandboxView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The runtime-initialized mark of a create that initialises the runtime: the claim patch writes
 * {@code agents.kruise.io/runtime-initialized: "false"}, and this sets {@code "true"} once {@code
 * /init} (and any mount) succeeded. A sandbox whose manager died in between keeps {@code "false"};
 * the controller, after {@code kruise.controller.unfinished-claim-timeout}, asks its runtime
 * whether {@code /init} ran and writes the mark itself, or deletes the sandbox.
 *
 * <p>That second write is not on the create's critical path: a create faster than {@code
 * kruise.e2b.init-mark-sync-after} (well inside the controller's bound, so the controller cannot
 * have judged it yet) answers first and marks {@link #later}. A slower one marks {@link #now},
 * before answering, and fails if the controller already gave up on it.
 */
final class InitMark implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(InitMark.class);

  /** How long a stopping manager waits for the marks still queued. */
  static final Duration FLUSH_ON_CLOSE = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final Duration syncAfter;

  /**
   * Writes after the answer, in order of creates. Its own small pool (not the request threads, not
   * the event loop): a slow API server delays marks, never answers. A stopping manager writes the
   * queued marks first ({@link #close}); one lost with a killed process is what the controller's
   * probe is for.
   */
  private final ExecutorService later;

  InitMark(KubernetesClient client, Duration syncAfter) {
    this.client = client;
    this.syncAfter = syncAfter;
    this.later =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "init-mark");
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether this create will initialise the runtime (then its claim writes the mark "false"). */
  static boolean expected(Extensions ext, List<SandboxSet> sets) {
    return !ext.skipInitRuntime() && sets.stream().anyMatch(RuntimeInitDecision::shouldInit);
  }

  /** Whether a create that has run this long must mark before it answers. */
  boolean beforeAnswer(Duration elapsed) {
    return elapsed.compareTo(syncAfter) >= 0;
  }

  /**
   * Sets the mark (a plain merge patch of one annotation: a concurrent write elsewhere is no
   * conflict). A sandbox the controller already gave up on is being deleted: the create fails
   * rather than hand out a sandbox that is going away.
   */
  Sandbox now(Sandbox sandbox) {
    Sandbox marked = write(sandbox);
    if (marked.getMetadata().getDeletionTimestamp() != null) {
      throw E2bException.internal(
          "sandbox " + SandboxView.id(sandbox) + " was deleted before its create completed");
    }
    return marked;
  }

  /** Sets the mark after the answer; a failure is logged (the controller's probe repairs it). */
  void later(Sandbox sandbox) {
    later.execute(
        () -> {
          try {
            write(sandbox);
          } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
              return; // killed already: nothing to mark
            }
            LOG.warnf(
                "could not mark sandbox=%s initialised (the controller will ask its runtime): %s",
                SandboxView.id(sandbox), e.getMessage());
          }
        });
  }

  /**
   * Writes the marks still queued (up to {@link #FLUSH_ON_CLOSE}) and stops: each one written here
   * saves its sandbox the controller's probe after the unfinished-claim bound.
   */
  @Override
  public void close() {
    later.shutdown();
    try {
      if (!later.awaitTermination(FLUSH_ON_CLOSE.toMillis(), TimeUnit.MILLISECONDS)) {
        int dropped = later.shutdownNow().size();
        LOG.warnf(
            "stopped with %d init marks unwritten (the controller will ask their runtimes)",
            dropped);
      }
    } catch (InterruptedException e) {
      later.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private Sandbox write(Sandbox sandbox) {
    return SandboxMergePatch.markRuntimeInitialized(client, sandbox);
  }

  /** The test-only delay before {@code /init} (see {@code testOnlyDelayBeforeInit}). */
  static void sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw E2bException.unavailable("interrupted");
    }
  }
}
