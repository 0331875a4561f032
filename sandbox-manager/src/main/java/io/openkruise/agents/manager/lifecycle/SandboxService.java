package io.openkruise.agents.manager.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.Deadlines;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.ListQuery;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.e2b.Timeouts;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.runtime.CsiVolumes;
import io.openkruise.agents.manager.runtime.RuntimeClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Orchestrates the E2B lifecycle on Sandbox CRs: create = claim from a warm pool (+ runtime init
 * and mounts), connect/resume, pause, timeouts and kill. Holds no state of its own: everything is
 * read from the informer cache and written to the API server, so replicas behave as one.
 */
public class SandboxService {

  private static final Logger LOG = Logger.getLogger(SandboxService.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a write waits for this replica's cache to show it (read-your-writes). */
  private static final Duration CACHE_SETTLE_TIMEOUT = Duration.ofSeconds(5);

  /** When a resume the controller has not picked up is written again (see awaitResumed). */
  private static final Duration RESUME_NUDGE_AFTER = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final SandboxCache cache;
  private final SandboxClaimer claimer;
  private final RuntimeClient runtime;
  private final CsiVolumes csi;
  private final Settings settings;
  private final Clock clock;
  private final ClaimMetrics metrics;
  private final SandboxTokens tokens;
  private final RunningQuota quota;
  private final EnvVarSeal seal;
  private final GuardedPatch guarded;

  /** Without quotas, with a throw-away env seal (tests of the claim path). */
  public SandboxService(
      KubernetesClient client,
      SandboxCache cache,
      SandboxClaimer claimer,
      RuntimeClient runtime,
      CsiVolumes csi,
      Settings settings,
      Clock clock,
      ClaimMetrics metrics,
      SandboxTokens tokens) {
    this(
        client,
        cache,
        claimer,
        runtime,
        csi,
        settings,
        clock,
        metrics,
        tokens,
        RunningQuota.unlimited(),
        EnvVarSeal.random());
  }

  public SandboxService(
      KubernetesClient client,
      SandboxCache cache,
      SandboxClaimer claimer,
      RuntimeClient runtime,
      CsiVolumes csi,
      Settings settings,
      Clock clock,
      ClaimMetrics metrics,
      SandboxTokens tokens,
      RunningQuota quota,
      EnvVarSeal seal) {
    this.client = client;
    this.cache = cache;
    this.claimer = claimer;
    this.runtime = runtime;
    this.csi = csi;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.tokens = tokens;
    this.quota = quota;
    this.seal = seal;
    this.guarded = new GuardedPatch(client);
  }

  public SandboxTokens tokens() {
    return tokens;
  }

  public Settings settings() {
    return settings;
  }

  // ---------------------------------------------------------------- create

  /** Resolves SDK default names ({@code code-interpreter-v1}, {@code base}) to SandboxSets. */
  public String resolveTemplate(String templateId) {
    return settings.templateAliases().getOrDefault(templateId, templateId);
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
      return create(caller, req, gone, slot);
    }
  }

  private Sandbox create(
      Caller caller, CreateRequest req, ClientGone gone, RunningQuota.Reservation slot) {
    Instant started = clock.instant();
    String template = resolveTemplate(req.templateId());
    List<SandboxSet> sets = cache.setsNamed(template);
    if (sets.isEmpty()) {
      throw E2bException.notFound("template " + req.templateId() + " not found");
    }
    Extensions ext = req.extensions();
    // Checked before anything is claimed, so a bad volume never costs a warm sandbox.
    Optional<CsiVolumes.Prepared> mount = ext.csiMount().map(m -> csi.prepare(m, caller.id()));

    Map<String, String> annotations = new LinkedHashMap<>(req.metadata());
    if (!ext.skipInitRuntime()) {
      // Present = the runtime is initialised by create and again after every resume; the token
      // itself is derived from the UID (SandboxTokens), never written where tenants can read it.
      annotations.put(MetadataKeys.ANNOTATION_SECURE, String.valueOf(req.secure()));
      if (!req.envVars().isEmpty()) {
        annotations.put(
            MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS, seal.seal(caller.id(), req.envVars()));
      }
    }
    if (!req.allowPublicTraffic()) {
      annotations.put(MetadataKeys.ANNOTATION_ALLOW_PUBLIC_TRAFFIC, "false");
    }
    ext.csiMount()
        .ifPresent(
            m ->
                annotations.put(
                    MetadataKeys.ANNOTATION_CSI_MOUNT,
                    json(Map.of("volumeName", m.volumeName(), "mountPoint", m.mountPoint()))));
    Deadlines deadlines =
        Deadlines.running(started, req.timeout(), req.autoPause(), settings.pausedRetention());
    ClaimRequest claim =
        ClaimRequest.forOwner(caller.id())
            .withAnnotations(annotations)
            .withShutdownTime(Timeouts.format(deadlines.shutdownTime()))
            .withPauseTime(
                deadlines.pauseTime() == null ? null : Timeouts.format(deadlines.pauseTime()));
    if (ext.image().isPresent()) {
      claim = claim.withImage(ext.image().get());
    }

    Claimed claimed;
    try {
      claimed = claim(template, sets, claim, ext, gone);
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
    String token = tokens.envdAccessToken(sandbox);
    MDC.put("sandboxID", id);
    try {
      if (claimed.created() || ext.image().isPresent()) {
        sandbox =
            waitRunning(sandbox, ext.waitReadyTimeout().orElse(settings.waitReadyTimeout()), gone);
      }
      checkClientStillThere(gone, "waiting for Ready");
      if (!ext.skipInitRuntime() && shouldInit(sandbox, sets)) {
        Optional<String> failed = runtime.init(sandbox, req.envVars(), token, null);
        if (failed.isPresent()) {
          throw E2bException.internal("runtime init of sandbox " + id + " failed: " + failed.get());
        }
      }
      checkClientStillThere(gone, "initialising the runtime");
      if (mount.isPresent()) {
        Optional<String> failed =
            runtime.csiMount(sandbox, token, mount.get().driver(), mount.get().requestBase64());
        if (failed.isPresent()) {
          throw E2bException.internal("CSI mount in sandbox " + id + " failed: " + failed.get());
        }
      }
      checkClientStillThere(gone, "mounting volumes");
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
    Duration latency = Duration.between(started, clock.instant());
    metrics.claim(template, claimed.created() ? "created" : "claimed", latency);
    LOG.infof(
        "claimed sandbox=%s template=%s owner=%s conflicts=%d created=%s latencyMs=%d",
        id, template, caller.id(), claimed.conflicts(), claimed.created(), latency.toMillis());
    MDC.remove("sandboxID");
    return sandbox;
  }

  private record Claimed(Sandbox sandbox, int conflicts, boolean created) {}

  /** 499 (nginx's "client closed request"): nobody reads it, it only ends the create. */
  private static void checkClientStillThere(ClientGone gone, String while_) {
    if (gone.happened()) {
      throw new E2bException(499, "client closed the request while " + while_);
    }
  }

  /** Claim passes until one wins, the pool is empty and creating is allowed, or time runs out. */
  private Claimed claim(
      String template,
      List<SandboxSet> sets,
      ClaimRequest request,
      Extensions ext,
      ClientGone gone) {
    Set<String> namespaces = new HashSet<>();
    sets.forEach(s -> namespaces.add(s.getMetadata().getNamespace()));
    Duration timeout = ext.claimTimeout().orElse(settings.claimTimeout());
    Instant deadline = clock.instant().plus(timeout);
    int conflicts = 0;
    while (true) {
      if (gone.happened()) {
        LOG.infof("client of the create hung up while waiting for the pool of %s", template);
        checkClientStillThere(gone, "waiting for the pool");
      }
      List<Sandbox> pool =
          cache.pool(template).stream()
              .filter(s -> namespaces.contains(s.getMetadata().getNamespace()))
              .toList();
      SandboxClaimer.Result result = claimer.claimOne(pool, request);
      if (result instanceof SandboxClaimer.Result.Claimed c) {
        conflicts += c.conflicts();
        metrics.conflicts(c.conflicts());
        return new Claimed(c.sandbox(), conflicts, false);
      }
      SandboxClaimer.Result.NoneAvailable none = (SandboxClaimer.Result.NoneAvailable) result;
      conflicts += none.conflicts();
      metrics.conflicts(none.conflicts());
      if (ext.createOnNoStock() && none.candidates() == 0) {
        return new Claimed(createClaimed(sets, request), conflicts, true);
      }
      if (!clock.instant().isBefore(deadline)) {
        throw E2bException.unavailable(
            "no available sandbox for template "
                + template
                + " within "
                + timeout.toSeconds()
                + "s; the pool is empty, try again later");
      }
      sleepJittered(settings.claimRetryInterval());
    }
  }

  /** Create-on-no-stock: a new sandbox written straight into the claimed state. */
  private Sandbox createClaimed(List<SandboxSet> sets, ClaimRequest request) {
    SandboxSet set = sets.get(ThreadLocalRandom.current().nextInt(sets.size()));
    String revision =
        set.getStatus() == null || set.getStatus().getUpdateRevision() == null
            ? "unknown"
            : set.getStatus().getUpdateRevision();
    Sandbox fresh =
        PoolMembers.newClaimed(
            set, revision, request, UUID.randomUUID().toString(), clock.instant());
    return client
        .resources(Sandbox.class)
        .inNamespace(set.getMetadata().getNamespace())
        .resource(fresh)
        .create();
  }

  private static boolean shouldInit(Sandbox sandbox, List<SandboxSet> sets) {
    Map<String, String> a = sandbox.getMetadata().getAnnotations();
    if (a != null && "true".equals(a.get(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD))) {
      return true;
    }
    return sets.stream()
        .filter(s -> s.getMetadata().getNamespace().equals(sandbox.getMetadata().getNamespace()))
        .anyMatch(
            s ->
                s.getMetadata().getAnnotations() != null
                    && "true"
                        .equals(
                            s.getMetadata()
                                .getAnnotations()
                                .get(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD)));
  }

  /** A failed create must not leak a sandbox: delete it unless the caller wants it kept. */
  private void release(Sandbox sandbox, boolean reserve) {
    if (reserve) {
      LOG.warnf("keeping failed sandbox=%s (reserve-failed-sandbox)", SandboxView.id(sandbox));
      return;
    }
    try {
      client
          .resources(Sandbox.class)
          .inNamespace(sandbox.getMetadata().getNamespace())
          .withName(sandbox.getMetadata().getName())
          .delete();
    } catch (KubernetesClientException e) {
      LOG.warnf("could not delete failed sandbox=%s: %s", SandboxView.id(sandbox), e.getMessage());
    }
  }

  // ---------------------------------------------------------------- reads

  /** A sandbox the caller owns and that is running or paused; anything else is 404. */
  public Sandbox get(Caller caller, String id) {
    Sandbox s = cache.claimed(id).orElseThrow(() -> E2bException.sandboxNotFound(id));
    if (!owns(caller, s)) {
      throw E2bException.sandboxNotFound(id);
    }
    SandboxState state = state(s);
    if (state != SandboxState.RUNNING && state != SandboxState.PAUSED) {
      throw E2bException.sandboxNotFound(id);
    }
    return s;
  }

  public SandboxState state(Sandbox s) {
    return SandboxState.of(s, clock.instant());
  }

  private static boolean owns(Caller caller, Sandbox s) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    return a != null && caller.id().equals(a.get(MetadataKeys.ANNOTATION_OWNER));
  }

  /** The caller's running and paused sandboxes, filtered and paged. */
  public ListQuery.Page<Sandbox> list(Caller caller, ListQuery query) {
    List<ListQuery.Item<Sandbox>> items = new ArrayList<>();
    for (Sandbox s : cache.ownedBy(caller.id())) {
      Map<String, String> labels = s.getMetadata().getLabels();
      if (labels == null || !"true".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))) {
        continue;
      }
      items.add(
          new ListQuery.Item<>(
              s, SandboxView.id(s), SandboxView.startedAt(s), state(s), SandboxView.metadata(s)));
    }
    return query.apply(items);
  }

  // ---------------------------------------------------------------- kill / pause / timeouts

  public void kill(Caller caller, String id) {
    Sandbox s = get(caller, id);
    try {
      client
          .resources(Sandbox.class)
          .inNamespace(s.getMetadata().getNamespace())
          .withName(s.getMetadata().getName())
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw E2bException.sandboxNotFound(id);
      }
      throw e;
    }
    // Read-your-writes: wait for the delete itself (deletionTimestamp, or gone), not for any newer
    // version; a controller status write landing between our read and the delete would otherwise
    // end the wait while list still shows the sandbox running.
    awaitCached(s, c -> c.getMetadata().getDeletionTimestamp() != null);
    LOG.infof("killed sandbox=%s owner=%s", id, caller.id());
  }

  /**
   * Records the pause ({@code spec.paused=true}; the controller deletes the pod) and keeps the
   * sandbox for the retention period. 409 when it is already paused or pausing.
   */
  public void pause(Caller caller, String id) {
    Sandbox s = get(caller, id);
    // Right after a claim the controller is still writing the sandbox: a stale resourceVersion
    // must not surface as 409, which the SDKs read as "already paused" (pause() returns false);
    // the guarded write re-reads and re-checks instead, and a pause that happened meanwhile is 409.
    write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict("sandbox " + id + " is already paused");
          }
          Deadlines next =
              Deadlines.paused(clock.instant(), settings.pausedRetention(), Deadlines.of(current));
          Map<String, Object> spec = next.specPatch();
          spec.put("paused", true);
          return Optional.of(Map.of("spec", spec));
        });
    LOG.infof("paused sandbox=%s", id);
  }

  /** Set timeout: {@code now + timeout} in the sandbox's mode; may shorten. Running only. */
  public void setTimeout(Caller caller, String id, Duration timeout) {
    Sandbox s = get(caller, id);
    write(
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
                  settings.pausedRetention());
          return Optional.of(Map.of("spec", next.specPatch()));
        });
  }

  /** Refreshes: extend-only, running only. */
  public void refresh(Caller caller, String id, Duration duration) {
    Sandbox s = get(caller, id);
    write(
        s,
        current -> {
          if (state(current) != SandboxState.RUNNING) {
            throw E2bException.conflict("sandbox " + id + " is paused");
          }
          return extension(current, duration);
        });
  }

  /** Result of connect/resume: the sandbox and whether it was resumed (E2B 201 vs 200). */
  public record Connected(Sandbox sandbox, boolean resumed) {}

  /** Connect: a running sandbox only ever gets a later end; a paused one is resumed. */
  public Connected connect(Caller caller, String id, Duration timeout) {
    Sandbox s = get(caller, id);
    if (state(s) == SandboxState.PAUSED) {
      return new Connected(resume(caller, s, timeout), true);
    }
    // Planned again on every conflict: another replica's longer extension stays, and a sandbox
    // paused meanwhile keeps its retention (the client's retry of connect resumes it).
    s =
        write(
            s,
            current -> {
              if (state(current) != SandboxState.RUNNING) {
                throw E2bException.conflict(
                    "sandbox " + id + " was paused concurrently; connect again to resume it");
              }
              return extension(current, timeout);
            });
    return new Connected(s, false);
  }

  /** Connect's and refresh's rule on the sandbox as it is: a later end, or nothing to write. */
  private Optional<Map<String, Object>> extension(Sandbox current, Duration timeout) {
    return Deadlines.extend(
            Deadlines.of(current), clock.instant(), timeout, settings.pausedRetention())
        .map(d -> Map.of("spec", d.specPatch()));
  }

  /** The deprecated resume route: 409 unless paused. */
  public Sandbox resume(Caller caller, String id, Duration timeout) {
    Sandbox s = get(caller, id);
    if (state(s) != SandboxState.PAUSED) {
      throw E2bException.conflict("sandbox " + id + " is already running");
    }
    return resume(caller, s, timeout);
  }

  /**
   * Waits for a pause in progress to finish (the old pod must be gone), sets {@code
   * spec.paused=false} with fresh deadlines, waits for Ready, then re-initialises the runtime and
   * mounts: the new pod's runtime knows nothing of the create.
   */
  private Sandbox resume(Caller caller, Sandbox s, Duration timeout) {
    // A resumed sandbox runs again: it needs one of the key's running slots.
    try (RunningQuota.Reservation slot = quota.reserve(caller, s, clock.instant())) {
      slot.bind(s);
      String id = SandboxView.id(s);
      Duration wait = settings.waitReadyTimeout();
      if (s.getSpec() != null && s.getSpec().isPaused() && !pauseFinished(s)) {
        s = await(s, SandboxService::pauseFinished, wait, "finish pausing");
      }
      Sandbox patched = write(s, current -> resumePlan(current, timeout));
      Sandbox running = awaitResumed(patched, timeout, wait);
      reinit(running);
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
    Map<String, Object> spec =
        Deadlines.running(
                clock.instant(),
                timeout,
                Deadlines.of(current).autoPause(),
                settings.pausedRetention())
            .specPatch();
    spec.put("paused", false);
    return spec;
  }

  private boolean resumedAndRunning(Sandbox x) {
    return (x.getSpec() == null || !x.getSpec().isPaused()) && state(x) == SandboxState.RUNNING;
  }

  /**
   * Waits for a resumed sandbox to be Ready. JOSDK 5.3.0-5.3.4 can drop a spec change that lands
   * while the controller's status patch is in flight (operator-framework/java-operator-sdk#3398):
   * when the controller has not observed the resume after {@link #RESUME_NUDGE_AFTER}, the resume
   * is written once more (fresh deadlines, so a new generation) while the controller is idle.
   */
  private Sandbox awaitResumed(Sandbox patched, Duration timeout, Duration wait) {
    if (wait.compareTo(RESUME_NUDGE_AFTER.multipliedBy(2)) <= 0) {
      return await(patched, this::resumedAndRunning, wait, "become Ready after resume");
    }
    try {
      return await(patched, this::resumedAndRunning, RESUME_NUDGE_AFTER, "become Ready");
    } catch (E2bException e) {
      if (e.status() != 504) {
        throw e;
      }
    }
    Sandbox current =
        cache
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
      patched = write(current, x -> Optional.of(Map.of("spec", resumeSpec(x, timeout))));
    }
    return await(
        patched,
        this::resumedAndRunning,
        wait.minus(RESUME_NUDGE_AFTER),
        "become Ready after resume");
  }

  private static boolean pauseFinished(Sandbox s) {
    return s.getStatus() != null
        && (Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.SANDBOX_PAUSED)
            || SandboxPhase.PAUSED.equals(s.getStatus().getPhase()));
  }

  private void reinit(Sandbox s) {
    String id = SandboxView.id(s);
    Map<String, String> a = s.getMetadata().getAnnotations();
    if (a == null || !a.containsKey(MetadataKeys.ANNOTATION_SECURE)) {
      return; // created with skip-init-runtime
    }
    if (!shouldInit(s, cache.setsNamed(SandboxView.templateId(s)))) {
      return;
    }
    String token = tokens.envdAccessToken(s);
    String owner = a.getOrDefault(MetadataKeys.ANNOTATION_OWNER, "");
    String sealed = a.get(MetadataKeys.ANNOTATION_RUNTIME_ENV_VARS);
    Map<String, String> env = seal.open(owner, sealed).orElse(Map.of());
    if (sealed != null && env.isEmpty()) {
      LOG.warnf("env vars of sandbox=%s do not open with this cluster's key; re-init without", id);
    }
    Optional<String> failed = runtime.init(s, env, token, token);
    if (failed.isPresent()) {
      throw E2bException.internal("runtime re-init of sandbox " + id + " failed: " + failed.get());
    }
    Map<String, String> mount = readMap(a.get(MetadataKeys.ANNOTATION_CSI_MOUNT));
    if (mount.containsKey("volumeName") && mount.containsKey("mountPoint")) {
      CsiVolumes.Prepared p;
      try {
        p =
            csi.prepare(
                new Extensions.CsiMount(mount.get("volumeName"), mount.get("mountPoint")), owner);
      } catch (E2bException e) {
        throw E2bException.internal("CSI remount of sandbox " + id + ": " + e.getMessage());
      }
      failed = runtime.csiMount(s, token, p.driver(), p.requestBase64());
      if (failed.isPresent()) {
        throw E2bException.internal("CSI remount in sandbox " + id + " failed: " + failed.get());
      }
    }
  }

  /** Waits for the freshly claimed/created sandbox to run its (possibly new) template. */
  private Sandbox waitRunning(Sandbox claimed, Duration timeout, ClientGone gone) {
    Long generation = claimed.getMetadata().getGeneration();
    Predicate<Sandbox> ready =
        s ->
            state(s) == SandboxState.RUNNING
                && (generation == null
                    || (s.getStatus().getObservedGeneration() != null
                        && s.getStatus().getObservedGeneration() >= generation));
    return await(claimed, ready, timeout, "become Ready", gone);
  }

  private Sandbox await(Sandbox s, Predicate<Sandbox> condition, Duration timeout, String what) {
    return await(s, condition, timeout, what, ClientGone.never());
  }

  /** Waits for the condition in this replica's cache; ends early when the client hangs up. */
  private Sandbox await(
      Sandbox s, Predicate<Sandbox> condition, Duration timeout, String what, ClientGone gone) {
    String id = SandboxView.id(s);
    CompletableFuture<Sandbox> f =
        cache.await(s.getMetadata().getNamespace(), s.getMetadata().getName(), condition);
    gone.future().thenRun(() -> f.cancel(false));
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.CancellationException e) {
      checkClientStillThere(gone, "waiting for the sandbox to " + what);
      throw e;
    } catch (TimeoutException e) {
      f.cancel(false);
      throw E2bException.timeout(
          "sandbox " + id + " did not " + what + " within " + timeout.toSeconds() + "s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SandboxCache.SandboxGoneException) {
        throw E2bException.sandboxNotFound(id);
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw E2bException.unavailable("interrupted");
    }
  }

  /**
   * Read-your-writes on this replica after a delete: waits briefly (bounded) until the informer
   * cache has moved past the version {@code before} it (deletion timestamp set, or gone), so the
   * caller's next get/list does not see the old state. A timeout ends the wait; it is no error.
   */
  /**
   * Read-your-writes after a patch: waits (bounded) until the cache holds the patched version or a
   * later one. Not merely "a version other than before": a concurrent controller status write can
   * reach the cache first and still lack this patch (seen as set_timeout then get_info showing the
   * old end).
   */
  private void awaitCachedVersion(Sandbox before, Sandbox patched) {
    String written = patched.getMetadata().getResourceVersion();
    awaitCached(before, c -> atLeast(c.getMetadata().getResourceVersion(), written));
  }

  /**
   * resourceVersions are opaque to clients, but every API server we run on (etcd-backed) issues
   * increasing integers; comparing them lets a waiter that registers after a later write stop at
   * once. Anything non-numeric falls back to equality.
   */
  static boolean atLeast(String version, String written) {
    if (version == null || written == null || version.equals(written)) {
      return Objects.equals(version, written);
    }
    try {
      return Long.parseLong(version) > Long.parseLong(written);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private void awaitCached(Sandbox s, Predicate<Sandbox> seen) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    CompletableFuture<Sandbox> f = cache.await(ns, name, seen);
    if (cache.cached(ns, name).isEmpty()) {
      f.cancel(false); // already gone from the cache
      return;
    }
    try {
      f.get(CACHE_SETTLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      f.cancel(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
    }
  }

  /**
   * One guarded merge patch of a claimed sandbox (see {@link GuardedPatch}): it carries the version
   * it was planned on, so a concurrent pause, resume, kill or deadline write on another replica is
   * never silently overwritten; then read-your-writes on this replica.
   */
  private Sandbox write(Sandbox s, GuardedPatch.Plan plan) {
    GuardedPatch.Result r = guarded.apply(s, plan);
    if (r.written()) {
      awaitCachedVersion(r.before(), r.after());
    }
    return r.after();
  }

  // ---------------------------------------------------------------- helpers

  private void sleepJittered(Duration base) {
    long ms = base.toMillis();
    long jitter = Math.max(1, ms / 5);
    try {
      Thread.sleep(ms - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw E2bException.unavailable("interrupted while waiting for the pool");
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> readMap(String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, new TypeReference<Map<String, String>>() {});
    } catch (Exception e) {
      return Map.of();
    }
  }
}
