package io.openkruise.agents.manager.keys;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of the key Secret (data key = {@code id}, value = this record as JSON). Only the salted
 * hash is stored; {@code mask} keeps what E2B shows of a key.
 *
 * @param team namespace the key is scoped to (its team); null for a key of every served namespace
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record StoredKey(
    String id,
    String name,
    String hash,
    String salt,
    String hint,
    Map<String, Object> mask,
    String createdAt,
    String createdBy,
    String team) {

  /** E2B's {@code TeamAPIKey} (no secret). */
  public Map<String, Object> view() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name);
    m.put("mask", mask);
    m.put("createdAt", createdAt);
    m.put("createdBy", createdBy == null ? null : Map.of("id", createdBy, "email", ""));
    m.put("lastUsed", null);
    if (team != null) {
      m.put("team", Teams.view(team)); // the newest original's {id, name}
    }
    return m;
  }
}
