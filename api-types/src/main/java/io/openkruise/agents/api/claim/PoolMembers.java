package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.OwnerReferences;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Pure construction of sandboxes from a SandboxSet: pool members (for the SandboxSet controller)
 * and already-claimed ones (the create-on-no-stock path of a claim).
 */
public final class PoolMembers {

  private PoolMembers() {}

  /** The SandboxSet a sandbox was made for (its pool label); null when it carries none. */
  public static String poolName(Sandbox sandbox) {
    Map<String, String> labels = sandbox.getMetadata().getLabels();
    return labels == null ? null : labels.get(MetadataKeys.LABEL_SANDBOX_POOL);
  }

  /**
   * The revision of the set's template, as the {@code template-hash} label of everything created
   * from it carries it (members and sandboxes created on no stock alike).
   */
  public static String revision(SandboxSet set) {
    return TemplateHash.of(set.getSpec().getTemplate());
  }

  /**
   * A new unclaimed member: {@code generateName <set>-}, pool labels, controller owner reference to
   * the set.
   *
   * @param revision the set's template revision, for the {@code template-hash} label
   */
  public static Sandbox newMember(SandboxSet set, String revision) {
    PodTemplateSpec template = new PodTemplateSpecBuilder(set.getSpec().getTemplate()).build();
    Map<String, String> labels = new HashMap<>();
    Map<String, String> annotations = new HashMap<>();
    if (template.getMetadata() != null) {
      copyUnreserved(template.getMetadata().getLabels(), labels);
      copyUnreserved(template.getMetadata().getAnnotations(), annotations);
    }
    labels.put(MetadataKeys.LABEL_SANDBOX_POOL, set.getMetadata().getName());
    labels.put(MetadataKeys.LABEL_SANDBOX_TEMPLATE, set.getMetadata().getName());
    labels.put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false");
    labels.put(MetadataKeys.LABEL_TEMPLATE_HASH, revision);
    Map<String, String> setAnnotations = set.getMetadata().getAnnotations();
    if (setAnnotations != null
        && setAnnotations.containsKey(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD)) {
      annotations.put(
          MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD,
          setAnnotations.get(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD));
    }

    Sandbox sandbox = new Sandbox();
    ObjectMeta meta = sandbox.getMetadata();
    meta.setGenerateName(set.getMetadata().getName() + "-");
    meta.setNamespace(set.getMetadata().getNamespace());
    meta.setLabels(labels);
    meta.setAnnotations(annotations);
    meta.getOwnerReferences().add(OwnerReferences.controller(set));
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(template);
    spec.setTemplateRef(set.getSpec().getTemplateRef());
    spec.setVolumeClaimTemplates(set.getSpec().getVolumeClaimTemplates());
    spec.setPersistentContents(set.getSpec().getPersistentContents());
    sandbox.setSpec(spec);
    return sandbox;
  }

  /**
   * A sandbox created straight into the claimed state when the pool has no stock: like a member,
   * but with no owner reference and the same claim keys {@link ClaimPatch} writes.
   */
  public static Sandbox newClaimed(
      SandboxSet set, String revision, ClaimRequest request, String lockId, Instant now) {
    Sandbox sandbox = newMember(set, revision);
    sandbox.getMetadata().setOwnerReferences(new ArrayList<>());
    sandbox.getMetadata().getLabels().putAll(ClaimPatch.claimLabels(request));
    sandbox
        .getMetadata()
        .getAnnotations()
        .putAll(ClaimPatch.claimAnnotations(request, lockId, now));
    request.shutdownTime().ifPresent(sandbox.getSpec()::setShutdownTime);
    request.pauseTime().ifPresent(sandbox.getSpec()::setPauseTime);
    request
        .image()
        .ifPresent(
            image ->
                sandbox.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image));
    return sandbox;
  }

  /** Our own keys in a user's template would confuse pool and claim logic: never copy them. */
  private static void copyUnreserved(Map<String, String> from, Map<String, String> to) {
    if (from != null) {
      from.forEach(
          (k, v) -> {
            if (!MetadataKeys.isReserved(k)) {
              to.put(k, v);
            }
          });
    }
  }
}
