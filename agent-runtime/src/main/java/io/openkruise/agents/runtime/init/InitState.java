package io.openkruise.agents.runtime.init;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * What {@code POST /init} configured: env vars for every process, the access token, default user
 * and working directory. Immutable snapshots swapped atomically, so readers never lock.
 */
public final class InitState {
  /** One snapshot. {@code accessToken} is null when none was set. */
  public record Snapshot(
      Map<String, String> envVars, String accessToken, String defaultUser, String defaultWorkdir) {}

  public static final String DEFAULT_USER = "user";
  public static final String DEFAULT_HOME = "/home/user";

  private volatile Snapshot current = new Snapshot(Map.of(), null, DEFAULT_USER, null);

  public Snapshot get() {
    return current;
  }

  /**
   * Applies an init call. Each field that is present replaces the earlier value; absent fields keep
   * theirs.
   */
  public synchronized void apply(
      Map<String, String> envVars, String accessToken, String defaultUser, String defaultWorkdir) {
    Snapshot old = current;
    current =
        new Snapshot(
            envVars != null ? Map.copyOf(envVars) : old.envVars(),
            accessToken != null ? (accessToken.isEmpty() ? null : accessToken) : old.accessToken(),
            defaultUser != null && !defaultUser.isEmpty() ? defaultUser : old.defaultUser(),
            defaultWorkdir != null && !defaultWorkdir.isEmpty()
                ? defaultWorkdir
                : old.defaultWorkdir());
  }

  /** Sandbox home of the default user ({@code /root} for root, else {@code /home/<user>}). */
  public String home() {
    String user = current.defaultUser();
    return "root".equals(user) ? "/root" : "/home/" + user;
  }

  /** Where commands start when the request names no cwd. */
  public String workdir() {
    String wd = current.defaultWorkdir();
    return wd != null ? wd : home();
  }

  /** Constant-time token comparison; true when no token is configured. */
  public boolean tokenMatches(String presented) {
    String token = current.accessToken();
    if (token == null) {
      return true;
    }
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(
        token.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
