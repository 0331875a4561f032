package io.openkruise.agents.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/**
 * Owner references between the objects we create (a SandboxSet's members, a Sandbox's pod, PVCs,
 * Secret and NetworkPolicy): how one is written and how "controlled by" is read. API version and
 * kind come from the owner's class, so they are right whether or not the object was read back.
 */
public final class OwnerReferences {

  private OwnerReferences() {}

  /**
   * The controller reference to {@code owner}: garbage-collected with it, and blocking its
   * foreground deletion until gone.
   */
  public static OwnerReference controller(HasMetadata owner) {
    return new OwnerReferenceBuilder(owner(owner))
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** A plain (non-controller) reference to {@code owner}: garbage-collected with it. */
  public static OwnerReference owner(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(HasMetadata.getApiVersion(owner.getClass()))
        .withKind(HasMetadata.getKind(owner.getClass()))
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .build();
  }

  /** True when {@code dependent}'s controller reference names {@code owner} (by UID). */
  public static boolean controlledBy(HasMetadata dependent, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    return uid != null
        && dependent
            .getOwnerReferenceFor(uid)
            .map(r -> Boolean.TRUE.equals(r.getController()))
            .orElse(false);
  }
}
