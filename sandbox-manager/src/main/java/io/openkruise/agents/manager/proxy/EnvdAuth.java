package io.openkruise.agents.manager.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The data-plane check of a secure sandbox's envd access token, done by the proxy before a byte
 * reaches the pod (the original forwards anything and leaves it to envd). Stricter than envd: every
 * path needs {@code X-Access-Token}, {@code /health} included (an anonymous health answer would
 * tell which IDs exist); only {@code GET|POST /files} also accept envd's signed-URL parameters.
 * Pure.
 */
public final class EnvdAuth {

  private EnvdAuth() {}

  /**
   * @param token the sandbox's token; empty when the sandbox is not secure (everything passes)
   * @param header the request's {@code X-Access-Token}, may be null
   * @param signature query {@code signature}, may be null
   * @param path query {@code path} (the file the signature covers), may be null
   * @param username query {@code username}, may be null
   * @param expiration query {@code signature_expiration} (unix seconds), may be null
   */
  public static boolean allowed(
      String token,
      String method,
      String requestPath,
      String header,
      String signature,
      String path,
      String username,
      String expiration,
      long nowSec) {
    if (token == null || token.isEmpty()) {
      return true;
    }
    if (header != null && constantTimeEquals(token, header)) {
      return true;
    }
    if (!"/files".equals(requestPath) || signature == null || path == null) {
      return false;
    }
    String operation;
    if ("GET".equals(method)) {
      operation = "read";
    } else if ("POST".equals(method)) {
      operation = "write";
    } else {
      return false;
    }
    Long exp = null;
    if (expiration != null && !expiration.isEmpty()) {
      try {
        exp = Long.parseLong(expiration);
      } catch (NumberFormatException e) {
        return false;
      }
      if (exp < nowSec) {
        return false;
      }
    }
    return constantTimeEquals(sign(path, operation, username, token, exp), signature);
  }

  /** {@code v1_} + unpadded base64 of SHA-256 over {@code path:op:user:token[:expiration]}. */
  static String sign(String path, String operation, String username, String token, Long exp) {
    String raw =
        path
            + ":"
            + operation
            + ":"
            + (username == null ? "" : username)
            + ":"
            + token
            + (exp == null ? "" : ":" + exp);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
      return "v1_" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of an expected token with a presented one (may be null). */
  public static boolean sameToken(String expected, String presented) {
    return presented != null && constantTimeEquals(expected, presented);
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
