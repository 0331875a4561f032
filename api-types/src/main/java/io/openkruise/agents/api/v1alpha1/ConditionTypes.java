package io.openkruise.agents.api.v1alpha1;

/** Condition types and reasons written on our CRs. */
public final class ConditionTypes {

  // ---- Sandbox ----
  public static final String READY = "Ready";
  public static final String SANDBOX_PAUSED = "SandboxPaused";
  public static final String SANDBOX_RESUMED = "SandboxResumed";
  public static final String INPLACE_UPDATE = "InplaceUpdate";

  public static final String REASON_POD_READY = "PodReady";
  public static final String REASON_INPLACE_UPDATING = "InplaceUpdating";
  public static final String REASON_START_CONTAINER_FAILED = "StartContainerFailed";

  /**
   * Ready False: the pod lost readiness while its containers stayed ready, which is what the node
   * lifecycle controller leaves behind when a node stops reporting (ours, not the original's).
   */
  public static final String REASON_NODE_NOT_READY = "NodeNotReady";

  public static final String REASON_DELETE_POD = "DeletePod";
  public static final String REASON_CREATE_POD = "CreatePod";
  public static final String REASON_SUCCEEDED = "Succeeded";
  public static final String REASON_FAILED = "Failed";

  // ---- SandboxClaim ----
  public static final String COMPLETED = "Completed";
  public static final String TIMED_OUT = "TimedOut";

  public static final String REASON_ALL_REPLICAS_CLAIMED = "AllReplicasClaimed";
  public static final String REASON_TIMEOUT_REACHED = "TimeoutReached";
  public static final String REASON_SANDBOX_SET_NOT_FOUND = "SandboxSetNotFound";
  public static final String REASON_CLAIM_TIMEOUT_REACHED = "ClaimTimeoutReached";

  public static final String STATUS_TRUE = "True";
  public static final String STATUS_FALSE = "False";

  private ConditionTypes() {}
}
