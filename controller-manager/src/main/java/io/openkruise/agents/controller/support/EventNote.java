package io.openkruise.agents.controller.support;

/** A Kubernetes Event a planner asks for: type {@code Normal} or {@code Warning}. */
public record EventNote(String type, String reason, String message) {

  public static EventNote normal(String reason, String message) {
    return new EventNote("Normal", reason, message);
  }

  public static EventNote warning(String reason, String message) {
    return new EventNote("Warning", reason, message);
  }
}
