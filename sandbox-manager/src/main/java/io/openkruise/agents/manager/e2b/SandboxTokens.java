package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.util.Map;

/**
 * A sandbox's E2B credentials, derived from its UID and the control-plane key (never stored on the
 * Sandbox, which anyone who may {@code get sbx} can read). Which credentials it has is said by two
 * non-secret annotations written at claim: {@link MetadataKeys#ANNOTATION_SECURE} and {@link
 * MetadataKeys#ANNOTATION_ALLOW_PUBLIC_TRAFFIC}.
 */
public final class SandboxTokens {

  private final SandboxSecrets secrets;

  public SandboxTokens(SandboxSecrets secrets) {
    this.secrets = secrets;
  }

  /** The envd access token ({@code envdAccessToken}); "" when the sandbox is not secure. */
  public String envdAccessToken(Sandbox s) {
    return secrets.envdAccessToken(s);
  }

  /** The traffic access token ({@code trafficAccessToken}); "" when its ports are public. */
  public String trafficAccessToken(Sandbox s) {
    return publicTraffic(s) ? "" : secrets.trafficToken(s.getMetadata().getUid());
  }

  /**
   * The bootstrap token that opens the sandbox's runtime (see {@link SandboxSecrets}); "" for an
   * object without UID (never one the API server returned).
   */
  public String bootstrapToken(Sandbox s) {
    String uid = s.getMetadata().getUid();
    return uid == null || uid.isEmpty() ? "" : secrets.bootstrapToken(uid);
  }

  public static boolean secure(Sandbox s) {
    return SandboxSecrets.secure(s);
  }

  /** Public unless created with {@code allowPublicTraffic=false}, as in E2B. */
  public static boolean publicTraffic(Sandbox s) {
    return !"false".equals(annotation(s, MetadataKeys.ANNOTATION_ALLOW_PUBLIC_TRAFFIC));
  }

  private static String annotation(Sandbox s, String key) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
