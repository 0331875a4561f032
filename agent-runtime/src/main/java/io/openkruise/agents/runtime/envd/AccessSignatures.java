package io.openkruise.agents.runtime.envd;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * envd's signed-URL scheme for {@code /files}: {@code v1_} + unpadded base64 of SHA-256 over {@code
 * path:operation:username:token[:expiration]}. Pure.
 */
public final class AccessSignatures {
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
    String expected = sign(path, operation, username, token, exp);
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), signature.getBytes(StandardCharsets.UTF_8));
  }
}
