package io.openkruise.agents.envd;

/** The ports a sandbox's runtime listens on, as the E2B SDKs expect them. */
public final class EnvdPorts {

  /** envd: {@code /init}, {@code /files}, {@code /health}, the Connect services. */
  public static final int ENVD = 49983;

  /** The code interpreter ({@code /execute}, {@code /contexts}). */
  public static final int CODE_INTERPRETER = 49999;

  private EnvdPorts() {}
}
