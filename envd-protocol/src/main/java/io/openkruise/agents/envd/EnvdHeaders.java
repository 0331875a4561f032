package io.openkruise.agents.envd;

/** Request headers of the envd contract. */
public final class EnvdHeaders {

  /** The envd access token of a secure sandbox. */
  public static final String ACCESS_TOKEN = "X-Access-Token";

  /**
   * The bootstrap token that opens a runtime nobody initialised yet (envd port and code
   * interpreter), until an access token governs.
   */
  public static final String BOOTSTRAP_TOKEN = "X-Kruise-Bootstrap-Token";

  private EnvdHeaders() {}
}
