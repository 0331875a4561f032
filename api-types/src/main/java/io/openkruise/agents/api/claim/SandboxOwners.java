package io.openkruise.agents.api.claim;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;
import java.util.Optional;

/**
 * The owner annotation a claim writes: an API key's ID (E2B create), a SandboxClaim's UID, or
 * {@link MetadataKeys#OWNER_SCALE_DOWN} on a member locked for removal. The one place that reads
 * it.
 */
public final class SandboxOwners {

  private SandboxOwners() {}

  /** The owner, when the sandbox has a non-empty one. */
  public static Optional<String> owner(Sandbox sandbox) {
    Map<String, String> a = sandbox.getMetadata().getAnnotations();
    String owner = a == null ? null : a.get(MetadataKeys.ANNOTATION_OWNER);
    return owner == null || owner.isEmpty() ? Optional.empty() : Optional.of(owner);
  }

  /** True when {@code owner} (non-null) is the sandbox's owner. */
  public static boolean ownedBy(Sandbox sandbox, String owner) {
    return owner(sandbox).filter(owner::equals).isPresent();
  }
}
