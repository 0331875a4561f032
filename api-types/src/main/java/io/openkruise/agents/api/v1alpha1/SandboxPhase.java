package io.openkruise.agents.api.v1alpha1;

/**
 * Values of {@code Sandbox.status.phase}. Kept as strings so an object written by another
 * implementation with a phase we do not know still deserializes.
 */
public final class SandboxPhase {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String PAUSED = "Paused";
  public static final String RESUMING = "Resuming";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";
  public static final String TERMINATING = "Terminating";

  private SandboxPhase() {}
}
