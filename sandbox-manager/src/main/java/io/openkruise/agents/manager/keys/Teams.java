package io.openkruise.agents.manager.keys;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Teams are namespaces: a key scoped to a team sees, claims and manages only what lives in that
 * namespace. Keys of no team (the admin key among them) form the {@code admin} team, as in the
 * newest original.
 */
public final class Teams {

  /** The team of keys not scoped to a namespace. */
  public static final String ADMIN_TEAM = "admin";

  /** The newest original's fixed admin team ID. */
  public static final String ADMIN_TEAM_ID = "550e8400-e29b-41d4-a716-446655449999";

  // A namespace name: an RFC 1123 DNS label.
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private Teams() {}

  public static boolean validNamespaceName(String name) {
    return name != null && NAMESPACE.matcher(name).matches();
  }

  /** Stable team ID of a namespace (replicas agree without storing it). */
  public static String id(String team) {
    return team == null
        ? ADMIN_TEAM_ID
        : UUID.nameUUIDFromBytes(("kruise-agents-team:" + team).getBytes(StandardCharsets.UTF_8))
            .toString();
  }

  /** The newest original's {@code Team}: {@code {id, name}}. */
  public static Map<String, Object> view(String team) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id(team));
    m.put("name", team == null ? ADMIN_TEAM : team);
    return m;
  }

  /** One entry of {@code GET /teams}: {@code {teamID, name, apiKey, isDefault}}. */
  public static Map<String, Object> listed(String team, boolean isDefault) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("teamID", id(team));
    m.put("name", team == null ? ADMIN_TEAM : team);
    m.put("apiKey", ""); // keys are stored hashed; none is ever shown again
    m.put("isDefault", isDefault);
    return m;
  }
}
