package io.openkruise.agents.api.security;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-sandbox secrets derived from one cluster key that only the control plane holds (both services
 * read it from the same Secret in the system namespace). Deriving instead of storing means neither
 * service needs read access to Secrets in the served namespaces, and nothing a tenant can read
 * ({@code kubectl get sbx}) carries a credential.
 *
 * <ul>
 *   <li>The <b>bootstrap token</b> closes a sandbox's runtime from birth: the controller puts it
 *       into a Secret owned by the Sandbox, the pod receives it through envd-protocol's {@code
 *       RuntimeEnv.BOOTSTRAP_TOKEN}, and the runtime refuses every request (including {@code
 *       /init}) that does not carry it in envd-protocol's {@code EnvdHeaders.BOOTSTRAP_TOKEN}
 *       header until an access token governs.
 *   <li>The <b>envd access token</b> of a secure sandbox, returned to the SDK on create and
 *       connect, is stable across pause and resume because it depends only on the Sandbox UID.
 * </ul>
 *
 * Both are keyed by the Sandbox UID, which the API server assigns and never reuses, so a secret
 * learnt inside one sandbox says nothing about another.
 */
public final class SandboxSecrets {

  /** Data key of the bootstrap token in the Sandbox's runtime Secret. */
  public static final String SECRET_DATA_BOOTSTRAP = "bootstrap-token";

  /** Minimum length of the cluster key, in characters. */
  public static final int MIN_KEY_LENGTH = 32;

  private static final String HMAC = "HmacSHA256";

  private final SecretKeySpec key;

  /**
   * A keyed MAC that each derivation clones: the proxy derives tokens on every request, and {@code
   * Mac.getInstance} + {@code init} (a provider lookup and the key schedule) cost several times the
   * HMAC itself. Null when the provider's MAC cannot be cloned; then every call makes its own.
   */
  private final Mac prototype;

  private SandboxSecrets(byte[] key) {
    this.key = new SecretKeySpec(key, HMAC);
    this.prototype = cloneable(this.key);
  }

  private static Mac cloneable(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      mac.clone();
      return mac;
    } catch (GeneralSecurityException | CloneNotSupportedException e) {
      return null;
    }
  }

  /**
   * The cluster key as a service configured it ({@code kruise.security.sandbox-key}, env {@code
   * KRUISE_SANDBOX_KEY}: the same property in both services, as they must hold the same key).
   *
   * @throws IllegalStateException naming the property when it is missing or blank, so the service
   *     does not start
   */
  public static String requiredKey(Optional<String> configured) {
    return configured
        .filter(k -> !k.isBlank())
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "kruise.security.sandbox-key (env KRUISE_SANDBOX_KEY) is required: the"
                        + " control-plane key the controller-manager and the sandbox-manager"
                        + " share"));
  }

  /**
   * @param clusterKey the key shared by the control plane (at least {@link #MIN_KEY_LENGTH}
   *     characters; the chart generates 64 random hex characters)
   * @throws IllegalArgumentException when the key is missing or too short
   */
  public static SandboxSecrets fromKey(String clusterKey) {
    if (clusterKey == null || clusterKey.strip().length() < MIN_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "the sandbox key must have at least " + MIN_KEY_LENGTH + " characters");
    }
    return new SandboxSecrets(clusterKey.strip().getBytes(StandardCharsets.UTF_8));
  }

  /** Name of the Secret, owned by the Sandbox, that delivers the bootstrap token to its pod. */
  public static String runtimeSecretName(String sandboxName) {
    return sandboxName + "-runtime";
  }

  /** The token that opens a fresh runtime of the sandbox with this UID. */
  public String bootstrapToken(String sandboxUid) {
    return derive("bootstrap", sandboxUid);
  }

  /** The envd access token of the secure sandbox with this UID. */
  public String accessToken(String sandboxUid) {
    return derive("envd-access-token", sandboxUid);
  }

  /**
   * Whether the sandbox is secure (it has an envd access token): said by the non-secret annotation
   * {@link MetadataKeys#ANNOTATION_SECURE}, written with its claim.
   */
  public static boolean secure(Sandbox sandbox) {
    var annotations = sandbox.getMetadata().getAnnotations();
    return annotations != null && "true".equals(annotations.get(MetadataKeys.ANNOTATION_SECURE));
  }

  /** The envd access token of this sandbox; "" when it is not {@link #secure}. */
  public String envdAccessToken(Sandbox sandbox) {
    return secure(sandbox) ? accessToken(sandbox.getMetadata().getUid()) : "";
  }

  /**
   * The E2B traffic access token of a sandbox created with {@code allowPublicTraffic=false}: the
   * proxy requires it in {@code e2b-traffic-access-token} on the sandbox's user ports.
   */
  public String trafficToken(String sandboxUid) {
    return derive("traffic-access-token", sandboxUid);
  }

  private String derive(String purpose, String sandboxUid) {
    Objects.requireNonNull(sandboxUid, "sandboxUid");
    if (sandboxUid.isBlank()) {
      throw new IllegalArgumentException("sandbox UID is empty");
    }
    try {
      Mac mac = newMac();
      // The purpose and a separator keep the two derivations apart for the same UID.
      mac.update((purpose + "\n" + sandboxUid).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private Mac newMac() throws GeneralSecurityException {
    if (prototype != null) {
      try {
        // Cloning only reads the prototype, which is never updated, so threads may clone at once.
        return (Mac) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // fall through: checked at construction, not expected
      }
    }
    Mac mac = Mac.getInstance(HMAC);
    mac.init(key);
    return mac;
  }
}
