package io.openkruise.agents.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

/** Null-safe lookups on condition lists. */
public final class Conditions {
  private Conditions() {}

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type)
        .map(c -> ConditionTypes.STATUS_TRUE.equals(c.getStatus()))
        .orElse(false);
  }
}
