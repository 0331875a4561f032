package io.openkruise.agents.api.v1alpha1;

/** Values of {@code SandboxClaim.status.phase}. */
public final class SandboxClaimPhase {
  public static final String CLAIMING = "Claiming";
  public static final String COMPLETED = "Completed";

  private SandboxClaimPhase() {}
}
