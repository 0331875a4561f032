package io.openkruise.agents.manager.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.manager.e2b.Extensions;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code csi-mount} annotation: the mount a create asked for, kept on the sandbox so a resume
 * can mount it again in the new pod. JSON {@code {"volumeName": …, "mountPoint": …}}.
 */
final class CsiMountAnnotation {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CsiMountAnnotation() {}

  static String write(Extensions.CsiMount mount) {
    try {
      return JSON.writeValueAsString(
          Map.of("volumeName", mount.volumeName(), "mountPoint", mount.mountPoint()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Empty when absent or unreadable (written by an older version, or by hand). */
  static Optional<Extensions.CsiMount> read(String json) {
    if (json == null || json.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> m;
    try {
      m = JSON.readValue(json, new TypeReference<Map<String, String>>() {});
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
    if (!m.containsKey("volumeName") || !m.containsKey("mountPoint")) {
      return Optional.empty();
    }
    return Optional.of(new Extensions.CsiMount(m.get("volumeName"), m.get("mountPoint")));
  }
}
