package io.openkruise.agents.manager.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.ListQuery;
import io.openkruise.agents.manager.e2b.LogQuery;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The E2B lifecycle on Sandbox CRs, as the REST layer and the proxy see it: create (claim from a
 * warm pool, {@link SandboxCreation}), reads and kill ({@link OwnedSandboxes}), pause and resume
 * ({@link PauseResume}), timeouts and connect ({@link DeadlineWrites}). Holds no state of its own:
 * everything is read from the informer cache and written to the API server, so replicas behave as
 * one.
 */
public class SandboxService implements AutoCloseable {

  private final ManagerConfig config;
  private final SandboxTokens tokens;
  private final SandboxCache cache;
  private final RunningQuota quota;
  private final Clock clock;
  private final SandboxCreation creation;
  private final OwnedSandboxes owned;
  private final PauseResume pauses;
  private final DeadlineWrites deadlines;
  private final SandboxLogs logs;

  public SandboxService(
      KubernetesClient client,
      SandboxCache cache,
      SandboxClaimer claimer,
      RuntimeClient runtime,
      CsiVolumes csi,
      ManagerConfig config,
      Clock clock,
      ClaimMetrics metrics,
      SandboxTokens tokens,
      RunningQuota quota,
      EnvVarSeal seal) {
    this.config = config;
    ManagerConfig.E2b settings = config.e2b();
    this.tokens = tokens;
    this.cache = cache;
    this.quota = quota;
    this.clock = clock;
    CacheWaits waits = new CacheWaits(cache, settings.cacheSettleBudget(), metrics);
    GuardedWrites writes = new GuardedWrites(client, waits);
    RuntimeSetup setup = new RuntimeSetup(runtime, csi, tokens, seal, cache);
    this.creation =
        new SandboxCreation(
            client,
            new PoolClaims(client, cache, claimer, settings, clock, metrics),
            setup,
            waits,
            settings,
            clock,
            metrics,
            seal);
    this.owned = new OwnedSandboxes(client, cache, waits, clock);
    this.pauses = new PauseResume(writes, waits, setup, quota, settings, clock);
    this.deadlines = new DeadlineWrites(writes, settings, clock);
    this.logs = new SandboxLogs(client, clock);
  }

  public SandboxTokens tokens() {
    return tokens;
  }

  public ManagerConfig config() {
    return config;
  }

  /** Resolves SDK default names ({@code code-interpreter-v1}, {@code base}) to SandboxSets. */
  public String resolveTemplate(String templateId) {
    return config.e2b().templateAliases().getOrDefault(templateId, templateId);
  }

  /**
   * Claims a warm sandbox of the template for {@code caller}, then initialises its runtime and
   * mounts. On any failure after the claim the sandbox is deleted (or kept, when asked).
   */
  public Sandbox create(Caller caller, CreateRequest req) {
    return create(caller, req, ClientGone.never());
  }

  /**
   * As {@link #create(Caller, CreateRequest)}, holding one of the caller's running-sandbox slots
   * (429 when none is free) and stopping as soon as {@code gone} reports that the client hung up:
   * nothing is claimed after that, and a sandbox already claimed is deleted (even with
   * reserve-failed-sandbox: nobody will ever learn its ID).
   */
  public Sandbox create(Caller caller, CreateRequest req, ClientGone gone) {
    try (RunningQuota.Reservation slot = quota.reserve(caller, null, clock.instant())) {
      String template = resolveTemplate(req.templateId());
      // A team-scoped key claims only in its namespace; elsewhere the template does not exist.
      List<SandboxSet> sets =
          cache.setsNamed(template).stream()
              .filter(set -> caller.sees(set.getMetadata().getNamespace()))
              .toList();
      if (sets.isEmpty()) {
        throw E2bException.notFound("template " + req.templateId() + " not found");
      }
      return creation.create(caller, req, template, sets, gone, slot);
    }
  }

  /** A sandbox the caller owns and that is running or paused; anything else is 404. */
  public Sandbox get(Caller caller, String id) {
    return owned.get(caller, id);
  }

  public SandboxState state(Sandbox s) {
    return owned.state(s);
  }

  /**
   * E2B's {@code lifecycle.autoResume} as get_info reports it: the sandbox (or its SandboxSet)
   * asked for it and the proxy's connect-on-traffic switch is on, i.e. traffic would wake it.
   */
  public boolean autoResumes(Sandbox s) {
    return config.proxy().connectOnTraffic()
        && SandboxView.autoResume(s, () -> cache.setsNamed(SandboxView.templateId(s)));
  }

  /** The caller's running and paused sandboxes, filtered and paged. */
  public ListQuery.Page<Sandbox> list(Caller caller, ListQuery query) {
    return owned.list(caller, query);
  }

  /** The sandbox's container log lines the query selects (none while paused). */
  public List<LogQuery.Line> logs(Caller caller, String id, LogQuery query) {
    return logs.read(get(caller, id), query);
  }

  public void kill(Caller caller, String id) {
    owned.kill(caller, id);
  }

  /**
   * Records the pause ({@code spec.paused=true}; the controller deletes the pod) and keeps the
   * sandbox for the retention period. 409 when it is already paused or pausing.
   */
  public void pause(Caller caller, String id) {
    pauses.pause(get(caller, id), id);
  }

  /**
   * As {@link #pause(Caller, String)}, keeping the paused sandbox for {@code reserveFor} (a
   * validated {@code reserve-paused-sandbox-duration}) instead of its own or the default retention.
   */
  public void pause(Caller caller, String id, Optional<String> reserveFor) {
    pauses.pause(get(caller, id), id, reserveFor);
  }

  /** Set timeout: {@code now + timeout} in the sandbox's mode; may shorten. Running only. */
  public void setTimeout(Caller caller, String id, Duration timeout) {
    deadlines.setTimeout(get(caller, id), id, timeout);
  }

  /** Refreshes: extend-only, running only. */
  public void refresh(Caller caller, String id, Duration duration) {
    deadlines.refresh(get(caller, id), id, duration);
  }

  /** Result of connect/resume: the sandbox and whether it was resumed (E2B 201 vs 200). */
  public record Connected(Sandbox sandbox, boolean resumed) {}

  /** Connect: a running sandbox only ever gets a later end; a paused one is resumed. */
  public Connected connect(Caller caller, String id, Duration timeout) {
    Sandbox s = get(caller, id);
    if (state(s) == SandboxState.PAUSED) {
      return new Connected(pauses.resume(caller, s, timeout), true);
    }
    return new Connected(deadlines.extendOnConnect(s, id, timeout), false);
  }

  /** The deprecated resume route: 409 unless paused. */
  public Sandbox resume(Caller caller, String id, Duration timeout) {
    Sandbox s = get(caller, id);
    if (state(s) != SandboxState.PAUSED) {
      throw E2bException.conflict("sandbox " + id + " is already running");
    }
    return pauses.resume(caller, s, timeout);
  }

  /**
   * On shutdown: the init marks of creates already answered are written before the process ends.
   */
  @Override
  public void close() {
    creation.close();
  }
}
