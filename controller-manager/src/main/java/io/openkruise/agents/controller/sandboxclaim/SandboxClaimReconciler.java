package io.openkruise.agents.controller.sandboxclaim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.claim.RuntimeInitDecision;
import io.openkruise.agents.api.claim.SandboxMergePatch;
import io.openkruise.agents.api.claim.SandboxOwners;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.controller.sandboxclaim.SandboxClaimPlan.Action;
import io.openkruise.agents.controller.support.EventNote;
import io.openkruise.agents.controller.support.EventRecorder;
import io.openkruise.agents.controller.support.GuardedDeletes;
import io.openkruise.agents.controller.support.Patches;
import io.openkruise.agents.controller.support.ReconcileErrors;
import io.openkruise.agents.controller.support.RuntimeInitClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Claims sandboxes for a SandboxClaim with the shared claim protocol, from the same-namespace
 * SandboxSet only. Claimed sandboxes carry the claim's UID as owner annotation and its name as a
 * label, never an owner reference: deleting the claim never deletes its sandboxes.
 */
@ControllerConfiguration(name = "sandboxclaim")
public class SandboxClaimReconciler implements Reconciler<SandboxClaim> {

  static final String BY_TEMPLATE = "byTemplate";

  /** Retry when the pool had nothing to give; pool events usually wake us earlier. */
  static final Duration NO_STOCK_RETRY = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final RuntimeInitClient runtimeInit;
  private final Clock clock;
  private final SandboxClaimBatches batches;

  public SandboxClaimReconciler(
      KubernetesClient client,
      EventRecorder events,
      RuntimeInitClient runtimeInit,
      Clock clock,
      MeterRegistry meters) {
    this.client = client;
    this.events = events;
    this.runtimeInit = runtimeInit;
    this.clock = clock;
    this.batches = new SandboxClaimBatches(client, clock, events, meters);
  }

  @Override
  public List<EventSource<?, SandboxClaim>> prepareEventSources(
      EventSourceContext<SandboxClaim> context) {
    context
        .getPrimaryCache()
        .addIndexer(
            BY_TEMPLATE,
            c -> List.of(c.getMetadata().getNamespace() + "/" + c.getSpec().getTemplateName()));
    // Unclaimed pool members: the candidates, and the events that wake claims waiting for stock.
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Sandbox.class, SandboxClaim.class)
                .withLabelSelector(MetadataKeys.LABEL_SANDBOX_CLAIMED + "=false")
                .withSecondaryToPrimaryMapper(
                    s ->
                        context
                            .getPrimaryCache()
                            .byIndex(
                                BY_TEMPLATE,
                                s.getMetadata().getNamespace() + "/" + PoolMembers.poolName(s))
                            .stream()
                            .filter(c -> !isCompleted(c))
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context));
  }

  @Override
  public UpdateControl<SandboxClaim> reconcile(SandboxClaim claim, Context<SandboxClaim> context) {
    String namespace = claim.getMetadata().getNamespace();
    Optional<SandboxSet> set =
        isCompleted(claim)
            ? Optional.empty()
            : Optional.ofNullable(
                client
                    .resources(SandboxSet.class)
                    .inNamespace(namespace)
                    .withName(claim.getSpec().getTemplateName())
                    .get());
    boolean initRuntime = set.map(RuntimeInitDecision::shouldInit).orElse(false);
    List<Sandbox> owned = isCompleted(claim) ? List.of() : owned(claim);
    SandboxClaimPlan plan =
        SandboxClaimPlanner.plan(
            claim, set.isPresent() || isCompleted(claim), initRuntime, owned, clock.instant());
    events.record(claim, plan.events());

    Duration requeue = plan.requeueAfter().orElse(null);
    boolean replan = false;
    for (Action action : plan.actions()) {
      if (action instanceof Action.DeleteClaim) {
        GuardedDeletes.delete(client, claim, null);
        return UpdateControl.noUpdate();
      } else if (action instanceof Action.InitRuntime i) {
        replan |= !initRuntime(claim, i.sandbox());
      } else if (action instanceof Action.FailSandbox f) {
        fail(claim, f.sandbox(), f.reason());
      } else if (action instanceof Action.ClaimSandboxes c) {
        if (replan) {
          break;
        }
        requeue = claimed(claim, claimBatch(claim, set.orElseThrow(), c.count(), context), requeue);
      }
    }
    if (replan) {
      // A sandbox dropped out: plan again before declaring anything complete.
      return UpdateControl.<SandboxClaim>noUpdate().rescheduleAfter(0);
    }
    // A status patch brings its own look again at once (see Patches.statusUpdate).
    UpdateControl<SandboxClaim> control = Patches.statusUpdate(claim, plan.status());
    if (control.isNoUpdate() && requeue != null) {
      control.rescheduleAfter(Math.max(requeue.toMillis(), 1));
    }
    return control;
  }

  /**
   * Reconcile errors (after JOSDK's retries are scheduled) show on the claim as a Warning Event, so
   * {@code kubectl describe sbc} tells what is wrong; the status is left to the next reconcile.
   */
  @Override
  public ErrorStatusUpdateControl<SandboxClaim> updateErrorStatus(
      SandboxClaim claim, Context<SandboxClaim> context, Exception e) {
    return ReconcileErrors.report(events, claim, e);
  }

  /** {@code /init}, then the mark that it happened; false (and the sandbox failed) on error. */
  private boolean initRuntime(SandboxClaim claim, Sandbox sandbox) {
    Optional<String> error = runtimeInit.init(sandbox, claim.getSpec().getEnvVars(), null);
    if (error.isPresent()) {
      fail(claim, sandbox, "runtime init failed: " + error.get());
      return false;
    }
    SandboxMergePatch.markRuntimeInitialized(client, sandbox);
    return true;
  }

  /** After a claim pass: look again at once when it gave something, soon when the pool was dry. */
  private Duration claimed(SandboxClaim claim, int got, Duration requeue) {
    if (got > 0) {
      return Duration.ZERO;
    }
    events.record(
        claim,
        EventNote.normal(
            "NoAvailableSandboxes",
            "no available sandbox in SandboxSet " + claim.getSpec().getTemplateName()));
    return min(requeue, NO_STOCK_RETRY);
  }

  /** Claims up to {@code count} sandboxes from the pool this reconciler watches. */
  private int claimBatch(
      SandboxClaim claim, SandboxSet set, int count, Context<SandboxClaim> context) {
    @SuppressWarnings("unchecked")
    InformerEventSource<Sandbox, SandboxClaim> pool =
        (InformerEventSource<Sandbox, SandboxClaim>)
            context.eventSourceRetriever().getEventSourceFor(Sandbox.class);
    String template = claim.getSpec().getTemplateName();
    return batches.claim(
        claim,
        set,
        count,
        () ->
            pool.list(
                    claim.getMetadata().getNamespace(),
                    s -> template.equals(PoolMembers.poolName(s)))
                .toList());
  }

  /** A live read, not the cache: counting must see our own claims from a moment ago. */
  private List<Sandbox> owned(SandboxClaim claim) {
    String uid = claim.getMetadata().getUid();
    return client
        .resources(Sandbox.class)
        .inNamespace(claim.getMetadata().getNamespace())
        .withLabel(MetadataKeys.LABEL_CLAIM_NAME, claim.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(s -> SandboxOwners.ownedBy(s, uid))
        .toList();
  }

  private void fail(SandboxClaim claim, Sandbox sandbox, String reason) {
    events.record(sandbox, EventNote.warning("ClaimStepFailed", reason));
    if (Boolean.TRUE.equals(claim.getSpec().getReserveFailedSandbox())) {
      SandboxMergePatch.setAnnotation(
          client, sandbox, MetadataKeys.ANNOTATION_CLAIM_FAILED, reason);
    } else {
      GuardedDeletes.delete(client, sandbox, null);
    }
  }

  private static boolean isCompleted(SandboxClaim claim) {
    return claim.getStatus() != null
        && SandboxClaimPhase.COMPLETED.equals(claim.getStatus().getPhase());
  }

  private static Duration min(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }
}
