package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * E2B create: claims a warm sandbox of the template for the caller (one claim patch carrying the
 * deadlines, annotations and sealed env vars), waits for Ready when needed, then sets up the
 * runtime. On any failure after the claim the sandbox is deleted (or kept, when asked).
 */
final class SandboxCreation implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SandboxCreation.class);

  private final KubernetesClient client;
  private final PoolClaims claims;
  private final RuntimeSetup setup;
  private final CacheWaits waits;
  private final ManagerConfig.E2b settings;
  private final Clock clock;
  private final ClaimMetrics metrics;
  private final ClaimForCreate claimFor;
  private final SandboxEgressPolicies egress;
  private final InitMark marks;

  SandboxCreation(
      KubernetesClient client,
      PoolClaims claims,
      RuntimeSetup setup,
      CacheWaits waits,
      ManagerConfig.E2b settings,
      Clock clock,
      ClaimMetrics metrics,
      EnvVarSeal seal) {
    this.client = client;
    this.claims = claims;
    this.setup = setup;
    this.waits = waits;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.claimFor = new ClaimForCreate(seal, settings.pausedRetention());
    this.egress = new SandboxEgressPolicies(client, settings.network());
    this.marks = new InitMark(client, settings.initMarkSyncAfter());
  }

  Sandbox create(
      Caller caller,
      CreateRequest req,
      String template,
      List<SandboxSet> sets,
      ClientGone gone,
      RunningQuota.Reservation slot) {
    Instant started = clock.instant();
    Extensions ext = req.extensions();
    // Checked before anything is claimed, so a bad volume never costs a warm sandbox.
    Optional<CsiVolumes.Prepared> mount = ext.csiMount().map(m -> setup.prepare(m, caller.id()));
    req.network().ifPresent(egress::validate);

    StepTimes steps = new StepTimes(clock);
    boolean initExpected = InitMark.expected(ext, sets);
    PoolClaims.Claimed claimed;
    try {
      claimed =
          claims.claim(template, sets, claimFor.of(caller, req, started, initExpected), ext, gone);
      steps.done("claim");
    } catch (E2bException e) {
      metrics.claim(
          template,
          e.status() == 499 ? "abandoned" : "no_stock",
          Duration.between(started, clock.instant()));
      throw e;
    }
    Sandbox sandbox = claimed.sandbox();
    slot.bind(sandbox);
    String id = SandboxView.id(sandbox);
    MDC.put("sandboxID", id);
    boolean markAfterAnswer = false;
    try {
      if (req.network().isPresent()) {
        // Before the runtime is initialised and before 201: no user code runs without its rules.
        egress.apply(sandbox, req.network().get());
        steps.done("network");
      }
      if (claimed.created() || ext.image().isPresent()) {
        sandbox =
            waitRunning(sandbox, ext.waitReadyTimeout().orElse(settings.waitReadyTimeout()), gone);
        steps.done("ready");
      }
      CacheWaits.checkClientStillThere(gone, "waiting for Ready");
      settings.testOnlyDelayBeforeInit().ifPresent(InitMark::sleep);
      if (!ext.skipInitRuntime()) {
        setup.init(sandbox, sets, req.envVars());
        steps.done("init");
      }
      CacheWaits.checkClientStillThere(gone, "initialising the runtime");
      if (mount.isPresent()) {
        setup.mount(sandbox, mount.get());
        steps.done("mount");
      }
      CacheWaits.checkClientStillThere(gone, "mounting volumes");
      if (initExpected && marks.beforeAnswer(Duration.between(started, clock.instant()))) {
        sandbox = marks.now(sandbox);
        steps.done("mark");
      } else {
        markAfterAnswer = initExpected;
      }
    } catch (RuntimeException e) {
      metrics.claim(
          template,
          e instanceof E2bException ee && ee.status() == 504 ? "not_ready" : "init_failed",
          Duration.between(started, clock.instant()));
      if (gone.happened()) {
        LOG.infof("client of the create hung up; releasing sandbox=%s owner=%s", id, caller.id());
      }
      release(sandbox, ext.reserveFailedSandbox() && !gone.happened());
      MDC.remove("sandboxID");
      throw e;
    }
    // Read-your-writes: SDKs get or list the sandbox right after create, on this replica. The
    // claim's version carries everything get and list show; the init mark is for the controller
    // only, so its watch event is not waited for (the claim's has usually arrived while /init ran).
    waits.awaitCachedVersion(claimed.sandbox(), claimed.sandbox());
    steps.done("cache");
    Duration latency = Duration.between(started, clock.instant());
    metrics.claim(template, claimed.created() ? "created" : "claimed", latency);
    LOG.infof(
        "claimed sandbox=%s template=%s owner=%s conflicts=%d passes=%d created=%s %s latencyMs=%d",
        id,
        template,
        caller.id(),
        claimed.conflicts(),
        claimed.passes(),
        claimed.created(),
        steps,
        latency.toMillis());
    MDC.remove("sandboxID");
    if (markAfterAnswer) {
      marks.later(sandbox);
    }
    return sandbox;
  }

  /** Waits for the freshly claimed/created sandbox to run its (possibly new) template. */
  private Sandbox waitRunning(Sandbox claimed, Duration timeout, ClientGone gone) {
    Long generation = claimed.getMetadata().getGeneration();
    Predicate<Sandbox> ready =
        s ->
            SandboxState.of(s, clock.instant()) == SandboxState.RUNNING
                && (generation == null
                    || (s.getStatus().getObservedGeneration() != null
                        && s.getStatus().getObservedGeneration() >= generation));
    return waits.await(claimed, ready, timeout, "become Ready", gone);
  }

  /** A failed create must not leak a sandbox: delete it unless the caller wants it kept. */
  private void release(Sandbox sandbox, boolean reserve) {
    if (reserve) {
      LOG.warnf("keeping failed sandbox=%s (reserve-failed-sandbox)", SandboxView.id(sandbox));
      return;
    }
    try {
      OwnedSandboxes.delete(client, sandbox);
    } catch (KubernetesClientException e) {
      LOG.warnf("could not delete failed sandbox=%s: %s", SandboxView.id(sandbox), e.getMessage());
    }
  }

  /** Writes the init marks still queued, then stops their writer. */
  @Override
  public void close() {
    marks.close();
  }
}
