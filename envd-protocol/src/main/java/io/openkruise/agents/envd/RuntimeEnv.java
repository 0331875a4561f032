package io.openkruise.agents.envd;

/** Environment variables the control plane sets on a sandbox pod for the runtime to read. */
public final class RuntimeEnv {

  /**
   * The per-sandbox bootstrap token (sent back in {@link EnvdHeaders#BOOTSTRAP_TOKEN}): the
   * controller puts it into the pod from the Sandbox's runtime Secret, the runtime reads it at
   * start and never passes it on to sandbox processes.
   */
  public static final String BOOTSTRAP_TOKEN = "KRUISE_RUNTIME_BOOTSTRAP_TOKEN";

  private RuntimeEnv() {}
}
