package io.openkruise.agents.controller.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;

/**
 * The record kept in the Pod annotation {@code agents.kruise.io/inplace-update-state} while an
 * image changes in place: which revision was applied and each updated container's image ID before,
 * so completion is "every listed container reports a different image ID".
 */
record InplaceUpdateState(
    String revision,
    String updateTimestamp,
    Map<String, LastStatus> lastContainerStatuses,
    boolean updateImages) {

  record LastStatus(String imageID) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Empty when absent or unreadable (an unreadable record is treated as no update running). */
  static Optional<InplaceUpdateState> parse(String json) {
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(json, InplaceUpdateState.class));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
