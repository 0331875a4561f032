package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.envd.AccessSignatures;

/**
 * The data-plane check of a secure sandbox's envd access token, done by the proxy before a byte
 * reaches the pod (the original forwards anything and leaves it to envd). Stricter than envd: every
 * path needs {@code X-Access-Token}, {@code /health} included (an anonymous health answer would
 * tell which IDs exist); only {@code GET|POST /files} also accept envd's signed-URL parameters
 * (checked with envd's own {@link AccessSignatures}). Pure.
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
    if (AccessSignatures.sameToken(token, header)) {
      return true;
    }
    if (!"/files".equals(requestPath)) {
      return false;
    }
    String operation;
    if ("GET".equals(method)) {
      operation = AccessSignatures.READ;
    } else if ("POST".equals(method)) {
      operation = AccessSignatures.WRITE;
    } else {
      return false;
    }
    // The runtime bounds a signature's lifetime itself; the proxy only checks it is valid now.
    return AccessSignatures.verify(
        signature,
        path,
        operation,
        username,
        token,
        expiration,
        nowSec,
        AccessSignatures.UNBOUNDED_LIFETIME);
  }

  /** Constant-time comparison of an expected token with a presented one (may be null). */
  public static boolean sameToken(String expected, String presented) {
    return AccessSignatures.sameToken(expected, presented);
  }
}
