package io.openkruise.agents.manager.keys;

/**
 * The identity behind a request: the API key's ID owns the sandboxes it creates.
 *
 * @param admin may manage API keys
 * @param team the namespace a team-scoped key is limited to; null: every served namespace
 */
public record Caller(String id, String name, boolean admin, String team) {

  /** Fixed admin key ID: the admin key comes from configuration, not from the Secret. */
  public static final String ADMIN_ID = "00000000-0000-4000-8000-000000000001";

  /** Owner of everything when auth is disabled (the original's anonymous identity). */
  public static final String ANONYMOUS_ID = "550e8400-e29b-41d4-a716-446655440000";

  public static final Caller ANONYMOUS = new Caller(ANONYMOUS_ID, "auth-disabled", true);

  /** A key of no team: it sees every served namespace. */
  public Caller(String id, String name, boolean admin) {
    this(id, name, admin, null);
  }

  /** Whether this caller may see, claim and manage what lives in {@code namespace}. */
  public boolean sees(String namespace) {
    return team == null || team.equals(namespace);
  }
}
