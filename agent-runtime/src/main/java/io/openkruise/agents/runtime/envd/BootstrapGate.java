package io.openkruise.agents.runtime.envd;

import io.openkruise.agents.envd.EnvdHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Keeps a fresh runtime closed until the control plane opens it. Every pod can reach every pod IP,
 * so a pool member must accept nothing (not even {@code /init}, whose first caller would set the
 * access token) from a caller that lacks the per-sandbox bootstrap token only the control plane and
 * the pod know. Once {@code /init} succeeded with it, the envd access token governs as in envd; the
 * bootstrap token then only authorises a further {@code /init}.
 *
 * <p>Without a bootstrap token the runtime stays closed for good, unless it was started {@code
 * unauthenticated} (standalone use), which behaves as stock envd.
 */
public final class BootstrapGate {
  /** Request header carrying the bootstrap token. */
  public static final String HEADER = EnvdHeaders.BOOTSTRAP_TOKEN;

  private final byte[] token;
  private final boolean unauthenticated;
  private volatile boolean opened;

  /**
   * @param token the bootstrap token, or null
   * @param unauthenticated true to serve without one (ignored when a token is given)
   */
  public BootstrapGate(String token, boolean unauthenticated) {
    this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.unauthenticated = this.token == null && unauthenticated;
  }

  /** True while a request without the bootstrap token must be refused. */
  public boolean closed() {
    return !unauthenticated && !opened;
  }

  /** True when the runtime has a bootstrap token at all. */
  public boolean enforced() {
    return token != null;
  }

  /** Constant-time check of a presented header; false when no token is configured. */
  public boolean admits(String presented) {
    if (token == null || presented == null) {
      return false;
    }
    return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** Called after an {@code /init} that carried the bootstrap token succeeded. */
  public void open() {
    if (token != null) {
      opened = true;
    }
  }
}
