package io.openkruise.agents.envd;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * envd's signed-URL scheme for {@code /files}: {@code v1_} + unpadded base64 of SHA-256 over {@code
 * path:operation:username:token[:expiration]}. Checked by the runtime and, before a byte reaches
 * the pod, by the platform's proxy. Pure.
 */
public final class AccessSignatures {

  /** The operation a {@code GET /files} signature covers. */
  public static final String READ = "read";

  /** The operation a {@code POST /files} signature covers. */
  public static final String WRITE = "write";

  /** For {@link #verify}: no bound on how far ahead an expiration may lie. */
  public static final long UNBOUNDED_LIFETIME = Long.MAX_VALUE;

  private AccessSignatures() {}

  public static String sign(
      String path, String operation, String username, String token, Long expiration) {
    String raw =
        path
            + ":"
            + operation
            + ":"
            + (username == null ? "" : username)
            + ":"
            + token
            + (expiration != null ? ":" + expiration : "");
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
      return "v1_" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * True when {@code signature} is valid for the request, not expired at {@code nowSec}, and its
   * expiration (when it has one) lies at most {@code maxLifetimeSec} ahead. A signature without an
   * expiration stays valid as long as the access token, as in envd.
   *
   * @param expiration query {@code signature_expiration} (unix seconds), may be null or empty
   */
  public static boolean verify(
      String signature,
      String path,
      String operation,
      String username,
      String token,
      String expiration,
      long nowSec,
      long maxLifetimeSec) {
    if (signature == null || token == null || path == null) {
      return false;
    }
    Long exp = null;
    if (expiration != null && !expiration.isEmpty()) {
      try {
        exp = Long.parseLong(expiration);
      } catch (NumberFormatException e) {
        return false;
      }
      if (exp < nowSec || exp - nowSec > maxLifetimeSec) {
        return false;
      }
    }
    return sameToken(sign(path, operation, username, token, exp), signature);
  }

  /** Constant-time comparison of an expected token with a presented one (may be null). */
  public static boolean sameToken(String expected, String presented) {
    return presented != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
