package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;
import java.util.UUID;

/**
 * The SandboxSet controller's side of the claim protocol: before removing a pool member it locks it
 * with the same kind of versioned patch a claim is, so a member is either claimed or removed, never
 * both. A locked member is not claimable ({@link SandboxState#isClaimable}).
 */
public final class ScaleDownLock {

  private ScaleDownLock() {}

  /** True when a claimer or the scale-down has locked the sandbox. */
  public static boolean isLocked(Sandbox sandbox) {
    Map<String, String> a = sandbox.getMetadata().getAnnotations();
    String lock = a == null ? null : a.get(MetadataKeys.ANNOTATION_LOCK);
    return lock != null && !lock.isEmpty();
  }

  /** The lock patch on {@code member} as read: fails with 409 if anyone wrote it since. */
  static Map<String, Object> patch(Sandbox member, String lockId) {
    return Map.of(
        "metadata",
        Map.of(
            "resourceVersion",
            member.getMetadata().getResourceVersion(),
            "annotations",
            Map.of(
                MetadataKeys.ANNOTATION_LOCK,
                lockId,
                MetadataKeys.ANNOTATION_OWNER,
                MetadataKeys.OWNER_SCALE_DOWN)));
  }

  /**
   * Locks a member for removal.
   *
   * @return false when a claimer (or anyone) wrote it first, or it is gone: leave it alone
   */
  public static boolean tryLock(KubernetesClient client, Sandbox member) {
    return VersionedPatch.apply(client, member, patch(member, UUID.randomUUID().toString()))
        .isPresent();
  }
}
