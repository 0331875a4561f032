package io.openkruise.agents.api;

/**
 * Every label, annotation and finalizer key the system reads or writes. The names are the Go
 * original's, so objects created by either implementation are understood by the other.
 */
public final class MetadataKeys {

  /** Prefix reserved for our own labels and annotations; filtered out of E2B metadata. */
  public static final String PREFIX = "agents.kruise.io/";

  /** Prefix reserved for E2B extension keys; parsed from create metadata, never stored as-is. */
  public static final String E2B_PREFIX = "e2b.agents.kruise.io/";

  // ---- labels on Sandbox ----

  /** Deprecated pool id (= SandboxSet name); part of {@code SandboxSet.status.selector}. */
  public static final String LABEL_SANDBOX_POOL = PREFIX + "sandbox-pool";

  /** The E2B template ID of a sandbox (= SandboxSet name). */
  public static final String LABEL_SANDBOX_TEMPLATE = PREFIX + "sandbox-template";

  /** {@code "false"} while in the warm pool, {@code "true"} once claimed. */
  public static final String LABEL_SANDBOX_CLAIMED = PREFIX + "sandbox-claimed";

  /** Name of the SandboxClaim that took the sandbox. */
  public static final String LABEL_CLAIM_NAME = PREFIX + "claim-name";

  /**
   * The sandbox's E2B ID: at least 96 random bits, lowercase alphanumerics, assigned at claim (the
   * newest original's key). The only name of a sandbox on the E2B surface; found through an
   * informer index, never parsed into a namespace and name.
   */
  public static final String LABEL_SANDBOX_ID = PREFIX + "sandbox-id";

  /** The SandboxSet's update revision at the time the sandbox was created. */
  public static final String LABEL_TEMPLATE_HASH = PREFIX + "template-hash";

  /** On the Pod: the Sandbox's {@code status.updateRevision}; drives in-place update detection. */
  public static final String LABEL_POD_TEMPLATE_HASH = "pod-template-hash";

  // ---- annotations on Sandbox ----

  /** Non-empty means "taken": never a claim candidate. */
  public static final String ANNOTATION_LOCK = PREFIX + "lock";

  /** Owner of a claimed sandbox: the E2B API key ID or the SandboxClaim UID. */
  public static final String ANNOTATION_OWNER = PREFIX + "owner";

  /** RFC 3339 time of the claim; E2B {@code startedAt}. */
  public static final String ANNOTATION_CLAIM_TIMESTAMP = PREFIX + "claim-timestamp";

  /** Base URL of the sandbox runtime; default {@code http://<podIP>:49983}. */
  public static final String ANNOTATION_RUNTIME_URL = PREFIX + "runtime-url";

  /** Legacy spelling of {@link #ANNOTATION_RUNTIME_URL}. */
  public static final String ANNOTATION_ENVD_URL_LEGACY = E2B_PREFIX + "envd-url";

  /**
   * The original's envd access token annotation. Never written any more (anyone who may {@code get
   * sbx} could read it): a secure sandbox carries {@link #ANNOTATION_SECURE} and its token is
   * derived from its UID ({@code SandboxSecrets.accessToken}). Kept to recognise old objects.
   */
  public static final String ANNOTATION_RUNTIME_ACCESS_TOKEN = PREFIX + "runtime-access-token";

  /** Legacy spelling of {@link #ANNOTATION_RUNTIME_ACCESS_TOKEN}. */
  public static final String ANNOTATION_ENVD_ACCESS_TOKEN_LEGACY = E2B_PREFIX + "envd-access-token";

  /**
   * {@code "true"} on a sandbox created with E2B {@code secure=true}: its runtime requires the envd
   * access token derived from the Sandbox UID. Not a secret.
   */
  public static final String ANNOTATION_SECURE = PREFIX + "secure";

  /**
   * {@code "false"} on a sandbox created with E2B {@code network.allowPublicTraffic=false}: its
   * user ports require header {@code e2b-traffic-access-token} with the token derived from the
   * Sandbox UID. Absent means public, as in E2B. Not a secret.
   */
  public static final String ANNOTATION_ALLOW_PUBLIC_TRAFFIC = PREFIX + "allow-public-traffic";

  /**
   * The egress rules an E2B create or {@code PUT /sandboxes/{id}/network} asked for, as JSON {@code
   * {"allowOut":[...],"denyOut":[...]}}: the record the sandbox's NetworkPolicy is made from (and
   * can be repaired or inspected from). Absent: no rules, the namespace's defaults apply.
   */
  public static final String ANNOTATION_NETWORK = PREFIX + "network";

  /**
   * Pod label selecting a sandbox's own NetworkPolicy (value: its sandbox ID). Set by the manager
   * on a claimed pod and by the controller on every pod of a Sandbox carrying {@link
   * #ANNOTATION_NETWORK}; the chart's default internet egress skips pods that carry it.
   */
  public static final String LABEL_EGRESS_POLICY = PREFIX + "egress-policy";

  /**
   * The env vars an E2B create asked for, sealed (AES-GCM under a key derived from the
   * control-plane sandbox key, so {@code get sbx} does not show them); the manager re-sends them to
   * the runtime's {@code /init} after every resume (the pod, and with it the runtime's state, is
   * new).
   */
  public static final String ANNOTATION_RUNTIME_ENV_VARS = PREFIX + "runtime-env-vars";

  /**
   * JSON {@code {"volumeName","mountPoint"}} of a dynamic CSI mount an E2B create asked for; the
   * manager mounts it again after every resume.
   */
  public static final String ANNOTATION_CSI_MOUNT = PREFIX + "csi-mount";

  /**
   * On a PersistentVolume: the API key IDs that may mount it through the {@code csi-volume-name}
   * create extension, comma-separated, or {@code *} for every key. A PV without it is not mountable
   * that way, and to a key it does not list it looks exactly like a missing PV.
   */
  public static final String ANNOTATION_CSI_ALLOWED_KEYS = PREFIX + "csi-allowed-keys";

  /** Hash of the sandbox template without images and resources; guards in-place updates. */
  public static final String ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES =
      "sandbox.agents.kruise.io/hash-without-image-resources";

  /** On a SandboxSet (copied to its Sandboxes): call the runtime's {@code /init} after claim. */
  public static final String ANNOTATION_SHOULD_INIT_ENVD = E2B_PREFIX + "should-init-envd";

  /**
   * {@code "true"} on a Sandbox (create writes it for E2B's {@code autoResume}) or its SandboxSet:
   * traffic for the paused sandbox resumes it, unless the proxy's connect-on-traffic is off.
   */
  public static final String ANNOTATION_AUTO_RESUME = E2B_PREFIX + "auto-resume";

  /**
   * Marks a sandbox a SandboxClaim claimed that failed a post-claim step and was kept
   * (reserveFailedSandbox); the value is the reason.
   */
  public static final String ANNOTATION_CLAIM_FAILED = PREFIX + "claim-failed";

  /**
   * {@code "true"} once a claimed sandbox's runtime received {@code /init} (SandboxClaim and E2B
   * create). An E2B create that initialises the runtime writes {@code "false"} in its claim patch
   * first: a sandbox still {@code "false"} after a bound lost its sandbox-manager mid-create and is
   * deleted by the controller. Absent: no init expected (or claimed before the mark existed).
   */
  public static final String ANNOTATION_RUNTIME_INITIALIZED = PREFIX + "runtime-initialized";

  // ---- annotations on Pod ----

  /** Marks pods the Sandbox controller created; value {@link #CREATED_BY_SANDBOX}. */
  public static final String ANNOTATION_CREATED_BY = PREFIX + "created-by";

  public static final String CREATED_BY_SANDBOX = "sandbox";

  /** JSON record of an in-place image update in progress. */
  public static final String ANNOTATION_INPLACE_UPDATE_STATE = PREFIX + "inplace-update-state";

  // ---- labels on Node ----

  /** {@code "true"} on the Nodes the local cluster's simulated node registers and schedules to. */
  public static final String LABEL_LOCAL_NODE = PREFIX + "local-node";

  // ---- finalizers ----

  /** Held on a Sandbox until its Pod is gone. */
  public static final String FINALIZER_SANDBOX = PREFIX + "sandbox";

  // ---- well-known values ----

  /** Owner written by the SandboxSet when it locks a member for scale-down. */
  public static final String OWNER_SCALE_DOWN = "__manager_scale_down";

  // ---- E2B create-metadata extensions (parsed, validated and stripped) ----

  public static final String EXT_IMAGE = E2B_PREFIX + "image";
  public static final String EXT_CSI_VOLUME_NAME = E2B_PREFIX + "csi-volume-name";
  public static final String EXT_CSI_MOUNT_POINT = E2B_PREFIX + "csi-mount-point";
  public static final String EXT_SKIP_INIT_RUNTIME = E2B_PREFIX + "skip-init-runtime";
  public static final String EXT_CLAIM_TIMEOUT_SECONDS = E2B_PREFIX + "claim-timeout-seconds";
  public static final String EXT_WAIT_READY_TIMEOUT_SECONDS =
      E2B_PREFIX + "wait-ready-timeout-seconds";
  public static final String EXT_CREATE_ON_NO_STOCK = E2B_PREFIX + "create-on-no-stock";
  public static final String EXT_RESERVE_FAILED_SANDBOX = E2B_PREFIX + "reserve-failed-sandbox";

  /** {@code true}: the sandbox gets no shutdown or pause time (it runs until killed). */
  public static final String EXT_NEVER_TIMEOUT = E2B_PREFIX + "never-timeout";

  /** How long a paused sandbox is kept (Go duration syntax, or {@code forever}). */
  public static final String EXT_RESERVE_PAUSED_SANDBOX_DURATION =
      E2B_PREFIX + "reserve-paused-sandbox-duration";

  /** {@code true}: the sandbox's metadata shows its pod IP under {@link #METADATA_SANDBOX_IP}. */
  public static final String EXT_RETURN_SANDBOX_IP = E2B_PREFIX + "return-sandbox-ip";

  /** The name the caller wants for the Sandbox (a DNS label). */
  public static final String EXT_SANDBOX_NAME = E2B_PREFIX + "sandbox-name";

  /**
   * Metadata key prefix whose keys become Sandbox labels ({@code label:app: x} → {@code app=x}).
   */
  public static final String EXT_LABEL_PREFIX = "label:";

  /** Read-only metadata key carrying the pod IP (with {@link #EXT_RETURN_SANDBOX_IP}). */
  public static final String METADATA_SANDBOX_IP = E2B_PREFIX + "sandbox-ip";

  /** Per-sandbox retention of a paused sandbox (value of the extension or the pause header). */
  public static final String ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION =
      PREFIX + "reserve-paused-sandbox-duration";

  private MetadataKeys() {}

  /** True for keys users may not set through E2B metadata or SandboxSet templates. */
  public static boolean isReserved(String key) {
    return key.startsWith(PREFIX) || key.startsWith(E2B_PREFIX);
  }
}
