package io.openkruise.agents.controller.sandboxset;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;

/** Pure computation of a SandboxSet's next status. */
final class SandboxSetStatusPlanner {

  private SandboxSetStatusPlanner() {}

  /** Label selector of a set's unclaimed members, as the scale subresource reports it. */
  static String unclaimedMemberSelector(String setName) {
    return MetadataKeys.LABEL_SANDBOX_CLAIMED
        + "=false,"
        + MetadataKeys.LABEL_SANDBOX_POOL
        + "="
        + setName;
  }

  static SandboxSetStatus plan(SandboxSet set, SandboxSetStatus current) {
    SandboxSetStatus next = new SandboxSetStatus();
    next.setObservedGeneration(set.getMetadata().getGeneration());
    next.setReplicas(current.getReplicas());
    next.setAvailableReplicas(current.getAvailableReplicas());
    next.setUpdateRevision(current.getUpdateRevision());
    next.setConditions(current.getConditions());
    next.setSelector(unclaimedMemberSelector(set.getMetadata().getName()));
    return next;
  }
}
