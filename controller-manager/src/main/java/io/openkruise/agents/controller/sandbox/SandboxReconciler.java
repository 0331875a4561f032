package io.openkruise.agents.controller.sandbox;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.OwnerReferences;
import io.openkruise.agents.api.claim.SandboxMergePatch;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.controller.ControllerConfig;
import io.openkruise.agents.controller.sandbox.SandboxPlan.Action;
import io.openkruise.agents.controller.support.EventNote;
import io.openkruise.agents.controller.support.EventRecorder;
import io.openkruise.agents.controller.support.GuardedDeletes;
import io.openkruise.agents.controller.support.Patches;
import io.openkruise.agents.controller.support.ReconcileErrors;
import io.openkruise.agents.controller.support.RuntimeInitClient;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one Sandbox: reads it and its Pod, asks {@link SandboxPlanner} what to do, does it, and
 * writes the planned status. Deadlines come back as exact reschedules, pod changes as events.
 */
@ControllerConfiguration(name = "sandbox", finalizerName = MetadataKeys.FINALIZER_SANDBOX)
public class SandboxReconciler implements Reconciler<Sandbox>, Cleaner<Sandbox> {

  /** Pods we made carry this label; the pod informer watches only those. */
  static final String POD_SELECTOR =
      MetadataKeys.ANNOTATION_CREATED_BY + "=" + MetadataKeys.CREATED_BY_SANDBOX;

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;
  private final SandboxSecrets secrets;
  private final RuntimeInitClient runtimeInit;
  private final Duration unfinishedClaimTimeout;

  public SandboxReconciler(
      KubernetesClient client,
      EventRecorder events,
      Clock clock,
      SandboxSecrets secrets,
      RuntimeInitClient runtimeInit,
      ControllerConfig config) {
    this.client = client;
    this.events = events;
    this.clock = clock;
    this.secrets = secrets;
    this.runtimeInit = runtimeInit;
    this.unfinishedClaimTimeout = config.unfinishedClaimTimeout();
  }

  @Override
  public List<EventSource<?, Sandbox>> prepareEventSources(EventSourceContext<Sandbox> context) {
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, Sandbox.class)
                .withLabelSelector(POD_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(Sandbox.class, false))
                .build(),
            context));
  }

  @Override
  public UpdateControl<Sandbox> reconcile(Sandbox sandbox, Context<Sandbox> context) {
    UnfinishedClaims.Decision unfinished =
        UnfinishedClaims.decide(sandbox, clock.instant(), unfinishedClaimTimeout);
    if (unfinished instanceof UnfinishedClaims.Probe p) {
      unfinished = UnfinishedClaims.settle(p, runtimeInit.probe(sandbox));
    }
    if (unfinished instanceof UnfinishedClaims.MarkInitialised m) {
      SandboxMergePatch.markRuntimeInitialized(client, sandbox);
      events.record(sandbox, m.event());
      return UpdateControl.noUpdate(); // the mark's watch event brings the next reconcile
    }
    if (unfinished instanceof UnfinishedClaims.Delete d) {
      // Guarded by the version we judged: a mark written since then makes this a 409, no delete.
      if (GuardedDeletes.deleteIfUnchanged(client, sandbox)) {
        events.record(sandbox, d.event());
      }
      return UpdateControl.noUpdate();
    }
    Optional<Pod> pod = context.getSecondaryResource(Pod.class);
    SandboxPlan plan = SandboxPlanner.plan(sandbox, pod, clock.instant());
    for (Action action : plan.actions()) {
      execute(sandbox, action, context);
    }
    events.record(sandbox, plan.events());
    // A status patch brings its own look again at once (see Patches.statusUpdate).
    UpdateControl<Sandbox> control = Patches.statusUpdate(sandbox, plan.status());
    if (control.isNoUpdate()) {
      Optional<Duration> next = plan.requeueAfter();
      if (unfinished instanceof UnfinishedClaims.WaitUntil w) {
        Duration untilMark = Duration.between(clock.instant(), w.deadline());
        next = Optional.of(next.filter(d -> d.compareTo(untilMark) < 0).orElse(untilMark));
      }
      next.ifPresent(d -> control.rescheduleAfter(Math.max(d.toMillis(), 0) + 1));
    }
    return control;
  }

  /** A failed reconcile shows as a Warning Event on the Sandbox (see {@link ReconcileErrors}). */
  @Override
  public ErrorStatusUpdateControl<Sandbox> updateErrorStatus(
      Sandbox sandbox, Context<Sandbox> context, Exception e) {
    return ReconcileErrors.report(events, sandbox, e);
  }

  @Override
  public DeleteControl cleanup(Sandbox sandbox, Context<Sandbox> context) {
    Optional<Pod> pod = context.getSecondaryResource(Pod.class);
    if (pod.isEmpty()) {
      return DeleteControl.defaultDelete();
    }
    if (pod.get().getMetadata().getDeletionTimestamp() == null) {
      GuardedDeletes.delete(client, pod.get(), null);
    }
    // The pod's deletion event brings us back; no polling.
    return DeleteControl.noFinalizerRemoval();
  }

  private void execute(Sandbox sandbox, Action action, Context<Sandbox> context) {
    var sandboxes =
        client.resources(Sandbox.class).inNamespace(sandbox.getMetadata().getNamespace());
    String name = sandbox.getMetadata().getName();
    if (action instanceof Action.DeleteSandbox) {
      GuardedDeletes.delete(client, sandbox, null);
    } else if (action instanceof Action.SetPaused) {
      sandboxes
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"paused\":true}}");
    } else if (action instanceof Action.RecordGuardHash h) {
      SandboxMergePatch.setAnnotation(
          client, sandbox, MetadataKeys.ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES, h.hash());
    } else if (action instanceof Action.EnsureVolumeClaims) {
      ensureVolumeClaims(sandbox);
    } else if (action instanceof Action.CreatePod c) {
      ensureRuntimeSecret(sandbox);
      createPod(c.pod(), context);
    } else if (action instanceof Action.DeletePod d) {
      context
          .getSecondaryResource(Pod.class)
          .ifPresent(p -> GuardedDeletes.delete(client, p, (long) d.gracePeriodSeconds()));
    } else if (action instanceof Action.PatchPodImages p) {
      patchPodImages(sandbox, p);
    }
  }

  /**
   * Makes sure the Sandbox's runtime Secret exists and holds this Sandbox's bootstrap token before
   * its pod is created (a pod whose secretKeyRef is missing would not start). Idempotent across
   * pause and resume: same UID, same Secret. A namesake left by an earlier Sandbox of the same name
   * (garbage collection pending) is replaced. A failure throws (with an Event for anything but a
   * conflict) and JOSDK retries the pass.
   */
  private void ensureRuntimeSecret(Sandbox sandbox) {
    Secret wanted =
        SandboxPods.runtimeSecret(sandbox, secrets.bootstrapToken(sandbox.getMetadata().getUid()));
    var existing =
        client
            .secrets()
            .inNamespace(sandbox.getMetadata().getNamespace())
            .withName(wanted.getMetadata().getName());
    try {
      // Create first: one call on the hot path (a pool refill); read only when it exists.
      existing.create(wanted);
      return;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        events.record(
            sandbox,
            EventNote.warning(
                "RuntimeSecretFailed",
                "cannot create Secret "
                    + wanted.getMetadata().getName()
                    + " for the runtime's bootstrap token: "
                    + e.getMessage()));
        throw e;
      }
    }
    Secret current = existing.get();
    if (current != null && OwnerReferences.controlledBy(current, sandbox)) {
      return; // A resume: same UID, same Secret.
    }
    if (current != null) {
      // Left by an earlier Sandbox of this name, garbage collection pending: replace it.
      GuardedDeletes.delete(client, current, 0L);
    }
    // A conflict again fails this pass; JOSDK retries it.
    existing.create(wanted);
  }

  private void createPod(Pod pod, Context<Sandbox> context) {
    try {
      context.resourceOperations().create(pod);
    } catch (KubernetesClientException e) {
      // Our cache missed a pod that exists: the informer event will bring the next reconcile.
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private void ensureVolumeClaims(Sandbox sandbox) {
    for (PersistentVolumeClaim claim : SandboxPods.volumeClaims(sandbox)) {
      var existing =
          client
              .persistentVolumeClaims()
              .inNamespace(claim.getMetadata().getNamespace())
              .withName(claim.getMetadata().getName());
      if (existing.get() == null) {
        try {
          existing.create(claim);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
        }
      }
    }
  }

  private void patchPodImages(Sandbox sandbox, Action.PatchPodImages p) {
    Map<String, Object> metadata = new HashMap<>();
    metadata.put("labels", Map.of(MetadataKeys.LABEL_POD_TEMPLATE_HASH, p.revision()));
    metadata.put(
        "annotations", Map.of(MetadataKeys.ANNOTATION_INPLACE_UPDATE_STATE, p.updateState()));
    Map<String, Object> patch = new HashMap<>();
    patch.put("metadata", metadata);
    if (!p.images().isEmpty()) {
      // Strategic merge keys containers by name: only the listed images change.
      patch.put(
          "spec",
          Map.of(
              "containers",
              p.images().entrySet().stream()
                  .map(e -> Map.of("name", e.getKey(), "image", e.getValue()))
                  .toList()));
    }
    client
        .pods()
        .inNamespace(sandbox.getMetadata().getNamespace())
        .withName(sandbox.getMetadata().getName())
        .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), json(patch));
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }
}
