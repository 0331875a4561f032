package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the one JSON merge patch that claims a sandbox. It carries the candidate's {@code
 * metadata.resourceVersion}, so the API server rejects it with 409 when anyone else wrote the
 * sandbox since we read it: that precondition is the only cross-process serializer.
 */
public final class ClaimPatch {

  private ClaimPatch() {}

  /**
   * @param candidate the cached sandbox the claimer chose
   * @param request what to write besides the protocol keys
   * @param lockId fresh unique value for {@code agents.kruise.io/lock}
   * @param now claim time, written to {@code agents.kruise.io/claim-timestamp}
   * @return the merge patch as a JSON-ready map
   */
  public static Map<String, Object> build(
      Sandbox candidate, ClaimRequest request, String lockId, Instant now) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("resourceVersion", candidate.getMetadata().getResourceVersion());
    metadata.put("labels", claimLabels(request));
    metadata.put("annotations", claimAnnotations(request, lockId, now));
    // Lists are replaced whole by a merge patch: write the remaining references, or null to
    // remove the field. Dropping the SandboxSet reference is what takes the sandbox out of the
    // pool.
    List<OwnerReference> refs = candidate.getMetadata().getOwnerReferences();
    List<OwnerReference> remaining =
        (refs == null ? List.<OwnerReference>of() : refs)
            .stream().filter(r -> !SandboxState.isPoolOwner(r)).toList();
    metadata.put("ownerReferences", remaining.isEmpty() ? null : remaining);

    Map<String, Object> spec = new LinkedHashMap<>();
    request.shutdownTime().ifPresent(t -> spec.put("shutdownTime", t));
    request.pauseTime().ifPresent(t -> spec.put("pauseTime", t));
    request.image().ifPresent(image -> spec.put("template", withFirstImage(candidate, image)));

    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("metadata", metadata);
    if (!spec.isEmpty()) {
      patch.put("spec", spec);
    }
    return patch;
  }

  /**
   * Labels every claimed sandbox carries: the request's plus {@code sandbox-claimed=true} and a
   * fresh E2B ID ({@link SandboxIds}), the sandbox's only name on the E2B surface.
   */
  public static Map<String, String> claimLabels(ClaimRequest request) {
    Map<String, String> labels = new LinkedHashMap<>(request.labels());
    labels.put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    labels.put(MetadataKeys.LABEL_SANDBOX_ID, SandboxIds.next());
    return labels;
  }

  /** Annotations every claimed sandbox carries: the request's plus lock, owner and claim time. */
  public static Map<String, String> claimAnnotations(
      ClaimRequest request, String lockId, Instant now) {
    Map<String, String> annotations = new LinkedHashMap<>(request.annotations());
    annotations.put(MetadataKeys.ANNOTATION_LOCK, lockId);
    annotations.put(MetadataKeys.ANNOTATION_OWNER, request.owner());
    annotations.put(
        MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP, now.truncatedTo(ChronoUnit.SECONDS).toString());
    return annotations;
  }

  private static Map<String, Object> withFirstImage(Sandbox candidate, String image) {
    if (candidate.getSpec() == null
        || candidate.getSpec().getTemplate() == null
        || candidate.getSpec().getTemplate().getSpec() == null
        || candidate.getSpec().getTemplate().getSpec().getContainers().isEmpty()) {
      throw new IllegalArgumentException(
          "sandbox " + candidate.getMetadata().getName() + " has no container to update");
    }
    List<Container> containers =
        candidate.getSpec().getTemplate().getSpec().getContainers().stream()
            .map(c -> new ContainerBuilder(c).build())
            .toList();
    containers.get(0).setImage(image);
    return Map.of("spec", Map.of("containers", containers));
  }
}
