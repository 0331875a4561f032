package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Edits a copy of a condition list the way Kubernetes expects: one entry per type, and {@code
 * lastTransitionTime} moves only when the status changes.
 */
public final class ConditionList {

  private final List<Condition> conditions;
  private final Instant now;

  public ConditionList(List<Condition> current, Instant now) {
    this.conditions = new ArrayList<>();
    if (current != null) {
      current.forEach(c -> conditions.add(new ConditionBuilder(c).build()));
    }
    this.now = now;
  }

  public ConditionList set(String type, boolean status, String reason, String message) {
    return set(type, status, reason, message, null);
  }

  /** Sets a condition; {@code transitionTime} overrides "now" when mirroring another object. */
  public ConditionList set(
      String type, boolean status, String reason, String message, String transitionTime) {
    String statusText = status ? "True" : "False";
    Condition existing = find(type);
    String time =
        existing != null && statusText.equals(existing.getStatus())
            ? existing.getLastTransitionTime()
            : transitionTime != null
                ? transitionTime
                : now.truncatedTo(ChronoUnit.SECONDS).toString();
    Condition next =
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message == null || message.isEmpty() ? null : message)
            .withLastTransitionTime(time)
            .build();
    if (existing == null) {
      conditions.add(next);
    } else {
      conditions.set(conditions.indexOf(existing), next);
    }
    return this;
  }

  public ConditionList remove(String type) {
    conditions.removeIf(c -> type.equals(c.getType()));
    return this;
  }

  public Condition find(String type) {
    return conditions.stream()
        .filter(c -> Objects.equals(type, c.getType()))
        .findFirst()
        .orElse(null);
  }

  public boolean isTrue(String type) {
    Condition c = find(type);
    return c != null && "True".equals(c.getStatus());
  }

  public List<Condition> toList() {
    return List.copyOf(conditions);
  }
}
