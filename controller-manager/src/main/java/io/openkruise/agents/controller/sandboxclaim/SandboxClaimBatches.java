package io.openkruise.agents.controller.sandboxclaim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.BatchClaim;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.controller.support.EventNote;
import io.openkruise.agents.controller.support.EventRecorder;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The {@code ClaimSandboxes} step of a SandboxClaim: the shared {@link BatchClaim} with the claim's
 * request, then a metric and Events for every sandbox claimed or created.
 */
final class SandboxClaimBatches {

  private final BatchClaim batch;
  private final EventRecorder events;
  private final MeterRegistry meters;

  SandboxClaimBatches(
      KubernetesClient client, Clock clock, EventRecorder events, MeterRegistry meters) {
    this.batch =
        new BatchClaim(
            client,
            new SandboxClaimer(client, clock, RandomGenerator.getDefault()),
            clock,
            () -> ThreadLocalRandom.current().nextLong());
    this.events = events;
    this.meters = meters;
  }

  /** Claims up to {@code count} sandboxes; creates them when the pool is empty and allowed. */
  int claim(SandboxClaim claim, SandboxSet set, int count, Supplier<List<Sandbox>> pool) {
    BatchClaim.Outcome outcome =
        batch.claim(
            pool,
            request(claim),
            count,
            Boolean.TRUE.equals(claim.getSpec().getCreateOnNoStock()) ? List.of(set) : List.of());
    for (Sandbox claimed : outcome.claimed()) {
      meters
          .counter("kruise.controller.claims", "source", "sandboxclaim", "outcome", "claimed")
          .increment();
      events.record(
          claim, EventNote.normal("SandboxClaimed", "claimed " + claimed.getMetadata().getName()));
      events.record(
          claimed,
          EventNote.normal("Claimed", "claimed by SandboxClaim " + claim.getMetadata().getName()));
    }
    for (Sandbox created : outcome.created()) {
      meters
          .counter("kruise.controller.claims", "source", "sandboxclaim", "outcome", "created")
          .increment();
      events.record(
          claim,
          EventNote.normal(
              "SandboxCreated", "no stock; created " + created.getMetadata().getName()));
    }
    return outcome.count();
  }

  static Map<String, String> unreserved(Map<String, String> keys) {
    Map<String, String> out = new HashMap<>();
    if (keys != null) {
      keys.forEach(
          (k, v) -> {
            if (!MetadataKeys.isReserved(k)) {
              out.put(k, v);
            }
          });
    }
    return out;
  }

  static ClaimRequest request(SandboxClaim claim) {
    // The CRD rejects reserved keys; dropping them here too covers claims stored before that
    // rule (or under a CRD installed without it): a claim's keys never steer the control plane.
    Map<String, String> labels = new HashMap<>(unreserved(claim.getSpec().getLabels()));
    labels.put(MetadataKeys.LABEL_CLAIM_NAME, claim.getMetadata().getName());
    Map<String, String> annotations = unreserved(claim.getSpec().getAnnotations());
    return ClaimRequest.forOwner(claim.getMetadata().getUid())
        .withLabels(labels)
        .withAnnotations(annotations)
        .withShutdownTime(claim.getSpec().getShutdownTime())
        .withImage(
            claim.getSpec().getInplaceUpdate() == null
                ? null
                : claim.getSpec().getInplaceUpdate().getImage());
  }
}
