package io.openkruise.agents.controller.sandboxset;

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
import io.micrometer.core.instrument.Tags;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.claim.ScaleDownLock;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.controller.support.EventNote;
import io.openkruise.agents.controller.support.EventRecorder;
import io.openkruise.agents.controller.support.GuardedDeletes;
import io.openkruise.agents.controller.support.Patches;
import io.openkruise.agents.controller.support.ReconcileErrors;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Keeps a SandboxSet's warm pool at {@code spec.replicas} unclaimed members. A claim removes the
 * member's owner reference; the Sandbox update event maps back here through the pool label and the
 * replacement is created in that same reconcile.
 */
@ControllerConfiguration(name = "sandboxset")
public class SandboxSetReconciler implements Reconciler<SandboxSet> {

  private static final Logger LOG = Logger.getLogger(SandboxSetReconciler.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;
  private final MeterRegistry meters;

  /**
   * Available members per pool, exported as {@code kruise_controller_pool_available} (the only
   * owner of the pool-depth gauge).
   */
  private final Map<ResourceID, AtomicInteger> poolDepth = new ConcurrentHashMap<>();

  public SandboxSetReconciler(
      KubernetesClient client, EventRecorder events, Clock clock, MeterRegistry meters) {
    this.client = client;
    this.events = events;
    this.clock = clock;
    this.meters = meters;
  }

  @Override
  public List<EventSource<?, SandboxSet>> prepareEventSources(
      EventSourceContext<SandboxSet> context) {
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Sandbox.class, SandboxSet.class)
                .withLabelSelector(MetadataKeys.LABEL_SANDBOX_POOL)
                .withSecondaryToPrimaryMapper(
                    s ->
                        Set.of(
                            new ResourceID(
                                PoolMembers.poolName(s), s.getMetadata().getNamespace())))
                // Claimed sandboxes change often and are none of the pool's business.
                .withOnUpdateFilter(
                    (next, previous) ->
                        SandboxState.poolOwner(next).isPresent()
                            || SandboxState.poolOwner(previous).isPresent())
                .build(),
            context));
  }

  @Override
  public UpdateControl<SandboxSet> reconcile(SandboxSet set, Context<SandboxSet> context) {
    String uid = set.getMetadata().getUid();
    List<Sandbox> members =
        context
            .getSecondaryResourcesAsStream(Sandbox.class)
            .filter(s -> SandboxState.poolOwner(s).map(r -> uid.equals(r.getUid())).orElse(false))
            .toList();
    SandboxSetPlan plan = SandboxSetPlanner.plan(set, members, clock.instant());
    poolDepth
        .computeIfAbsent(
            ResourceID.fromResource(set),
            id ->
                meters.gauge(
                    "kruise.controller.pool.available",
                    Tags.of("namespace", id.getNamespace().orElse(""), "template", id.getName()),
                    new AtomicInteger()))
        .set(plan.status().getAvailableReplicas());

    for (Sandbox member : plan.create()) {
      Sandbox created = context.resourceOperations().create(member);
      events.record(
          set, EventNote.normal("SandboxCreated", "created " + created.getMetadata().getName()));
    }
    for (Sandbox dead : plan.deleteDead()) {
      delete(dead);
      events.record(
          set,
          EventNote.normal(
              "DeadSandboxDeleted", "deleted dead member " + dead.getMetadata().getName()));
    }
    for (Sandbox victim : plan.scaleDown()) {
      if (lockForRemoval(victim)) {
        delete(victim);
        events.record(
            set,
            EventNote.normal("SandboxScaledDown", "removed " + victim.getMetadata().getName()));
      }
    }
    events.record(set, plan.events());
    return Patches.statusUpdate(set, plan.status());
  }

  /**
   * A failed reconcile shows as a Warning Event on the SandboxSet (see {@link ReconcileErrors}).
   */
  @Override
  public ErrorStatusUpdateControl<SandboxSet> updateErrorStatus(
      SandboxSet set, Context<SandboxSet> context, Exception e) {
    return ReconcileErrors.report(events, set, e);
  }

  /** The scale-down lock of the claim protocol: a 409 means a claimer won, leave it to them. */
  private boolean lockForRemoval(Sandbox member) {
    if (ScaleDownLock.tryLock(client, member)) {
      return true;
    }
    LOG.debugf("%s changed before scale-down; leaving it", member.getMetadata().getName());
    return false;
  }

  private void delete(Sandbox member) {
    GuardedDeletes.delete(client, member, null);
  }
}
