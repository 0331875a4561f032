package io.openkruise.agents.controller.sandboxset;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.claim.ScaleDownLock;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Pure sizing of a warm pool. Members are sandboxes whose controller owner is the set; a claim
 * removes that owner, so claimed sandboxes never appear here and are never touched.
 */
final class SandboxSetPlanner {

  private SandboxSetPlanner() {}

  static SandboxSetPlan plan(SandboxSet set, List<Sandbox> members, Instant now) {
    String revision = PoolMembers.revision(set);
    int desired =
        Math.max(0, set.getSpec().getReplicas() == null ? 0 : set.getSpec().getReplicas());
    List<EventNote> events = new ArrayList<>();
    OptionalInt maxUnavailable = maxUnavailable(set, desired, events);

    List<Sandbox> dead = new ArrayList<>();
    List<Sandbox> updatedCreating = new ArrayList<>();
    List<Sandbox> updatedAvailable = new ArrayList<>();
    List<Sandbox> outdatedCreating = new ArrayList<>();
    List<Sandbox> outdatedAvailable = new ArrayList<>();
    for (Sandbox member : oldestFirst(members)) {
      if (leaving(member)) {
        continue;
      }
      SandboxState state = nodeLost(member) ? SandboxState.DEAD : SandboxState.of(member, now);
      boolean current = revision.equals(label(member, MetadataKeys.LABEL_TEMPLATE_HASH));
      switch (state) {
        case DEAD -> {
          if (member.getMetadata().getDeletionTimestamp() == null) {
            dead.add(member);
          }
        }
        case AVAILABLE -> (current ? updatedAvailable : outdatedAvailable).add(member);
        default -> (current ? updatedCreating : outdatedCreating).add(member);
      }
    }

    List<Sandbox> scaleDown = new ArrayList<>(outdatedCreating);
    int live = updatedCreating.size() + updatedAvailable.size() + outdatedAvailable.size();
    int toCreate = 0;
    if (live > desired) {
      // Not-ready first, then the old revision, then the newest ready ones last.
      Stream.of(updatedCreating, outdatedAvailable, updatedAvailable)
          .flatMap(List::stream)
          .limit(live - desired)
          .forEach(scaleDown::add);
    } else {
      toCreate = desired - live;
      // Roll the old revision out a few at a time, replacing each one removed.
      int budget = maxUnavailable.orElse(Math.max(1, (desired + 3) / 4));
      int roll =
          Math.min(
              outdatedAvailable.size(), Math.max(0, budget - updatedCreating.size() - toCreate));
      outdatedAvailable.stream().limit(roll).forEach(scaleDown::add);
      toCreate += roll;
    }
    if (maxUnavailable.isPresent()) {
      int creating = updatedCreating.size();
      toCreate = Math.min(toCreate, Math.max(0, maxUnavailable.getAsInt() - creating));
    }
    List<Sandbox> create = new ArrayList<>();
    for (int i = 0; i < toCreate; i++) {
      create.add(PoolMembers.newMember(set, revision));
    }

    SandboxSetStatus status = new SandboxSetStatus();
    status.setObservedGeneration(set.getMetadata().getGeneration());
    status.setUpdateRevision(revision);
    status.setSelector(unclaimedMemberSelector(set.getMetadata().getName()));
    status.setAvailableReplicas(updatedAvailable.size() + outdatedAvailable.size());
    status.setReplicas(live + outdatedCreating.size());
    status.setConditions(
        set.getStatus() == null ? new ArrayList<>() : set.getStatus().getConditions());
    return new SandboxSetPlan(create, dead, scaleDown, status, events);
  }

  /** Label selector of a set's unclaimed members, as the scale subresource reports it. */
  static String unclaimedMemberSelector(String setName) {
    return MetadataKeys.LABEL_SANDBOX_CLAIMED
        + "=false,"
        + MetadataKeys.LABEL_SANDBOX_POOL
        + "="
        + setName;
  }

  /**
   * A member whose node stopped reporting (Ready False, reason NodeNotReady) is useless as a warm
   * sandbox and holds no one's state: it is replaced at once rather than counted as creating until
   * an eviction that may never come. Its pod goes when the node is back or its Node is deleted.
   */
  static boolean nodeLost(Sandbox member) {
    return member.getStatus() != null
        && Conditions.find(member.getStatus().getConditions(), ConditionTypes.READY)
            .map(
                c ->
                    ConditionTypes.STATUS_FALSE.equals(c.getStatus())
                        && ConditionTypes.REASON_NODE_NOT_READY.equals(c.getReason()))
            .orElse(false);
  }

  /** Members we already locked for removal (or someone else locked) are on their way out. */
  private static boolean leaving(Sandbox member) {
    return ScaleDownLock.isLocked(member);
  }

  /** {@code scaleStrategy.maxUnavailable} as a count; empty when unset (unlimited). */
  static OptionalInt maxUnavailable(SandboxSet set, int desired, List<EventNote> events) {
    if (set.getSpec().getScaleStrategy() == null
        || set.getSpec().getScaleStrategy().getMaxUnavailable() == null) {
      return OptionalInt.empty();
    }
    IntOrString value = set.getSpec().getScaleStrategy().getMaxUnavailable();
    if (value.getIntVal() != null) {
      return OptionalInt.of(Math.max(0, value.getIntVal()));
    }
    String text = value.getStrVal() == null ? "" : value.getStrVal().trim();
    if (text.matches("\\d+%")) {
      int percent = Integer.parseInt(text.substring(0, text.length() - 1));
      return OptionalInt.of((int) Math.ceil(desired * percent / 100.0));
    }
    if (text.matches("\\d+")) {
      return OptionalInt.of(Integer.parseInt(text));
    }
    events.add(
        EventNote.warning(
            "InvalidMaxUnavailable",
            "scaleStrategy.maxUnavailable \""
                + text
                + "\" is neither a number nor a percent; ignored"));
    return OptionalInt.empty();
  }

  private static List<Sandbox> oldestFirst(List<Sandbox> members) {
    return members.stream()
        .sorted(
            Comparator.comparing(
                    (Sandbox s) ->
                        s.getMetadata().getCreationTimestamp() == null
                            ? ""
                            : s.getMetadata().getCreationTimestamp())
                .thenComparing(
                    s -> s.getMetadata().getName() == null ? "" : s.getMetadata().getName()))
        .toList();
  }

  private static String label(Sandbox sandbox, String key) {
    return sandbox.getMetadata().getLabels() == null
        ? null
        : sandbox.getMetadata().getLabels().get(key);
  }
}
