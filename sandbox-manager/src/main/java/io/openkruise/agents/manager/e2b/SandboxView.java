package io.openkruise.agents.manager.e2b;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Sandbox CR → E2B JSON ({@code Sandbox}, {@code ListedSandbox}, {@code SandboxDetail}). */
public final class SandboxView {

  /** Deprecated in E2B but still required by the SDKs; E2B itself answers this constant. */
  public static final String CLIENT_ID = "6532622b";

  /**
   * What agent-runtime implements ({@code AgentRuntime.ENVD_VERSION}); the SDKs gate file metadata
   * (0.6.2), watch entry info (0.6.3) and the network-mount watch flag (0.6.4) on it.
   */
  public static final String ENVD_VERSION = "0.6.4";

  public static final int DEFAULT_CPU = 1;
  public static final int DEFAULT_MEMORY_MB = 512;
  public static final int DEFAULT_DISK_MB = 1024;

  private SandboxView() {}

  /** The E2B ID assigned at claim ("" for an unclaimed pool member, which has none). */
  public static String id(Sandbox s) {
    Map<String, String> labels = s.getMetadata().getLabels();
    String id = labels == null ? null : labels.get(MetadataKeys.LABEL_SANDBOX_ID);
    return id == null ? "" : id;
  }

  public static String templateId(Sandbox s) {
    Map<String, String> labels = s.getMetadata().getLabels();
    if (labels == null) {
      return "";
    }
    String t = labels.get(MetadataKeys.LABEL_SANDBOX_TEMPLATE);
    return t != null ? t : labels.getOrDefault(MetadataKeys.LABEL_SANDBOX_POOL, "");
  }

  public static Instant startedAt(Sandbox s) {
    Map<String, String> a = s.getMetadata().getAnnotations();
    String claimed = a == null ? null : a.get(MetadataKeys.ANNOTATION_CLAIM_TIMESTAMP);
    return SandboxState.parseTime(claimed)
        .or(() -> SandboxState.parseTime(s.getMetadata().getCreationTimestamp()))
        .orElse(Instant.EPOCH);
  }

  public static Instant endAt(Sandbox s) {
    Instant end = Deadlines.of(s).endAt();
    return end.equals(Instant.MAX) ? startedAt(s) : end;
  }

  /** User metadata: annotations outside every system prefix (ours and Kubernetes'). */
  public static Map<String, String> metadata(Sandbox s) {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, String> a = s.getMetadata().getAnnotations();
    if (a != null) {
      a.forEach(
          (k, v) -> {
            if (!isSystemKey(k)) {
              out.put(k, v);
            }
          });
      // Asked for at create (return-sandbox-ip): the pod IP, as the newest original shows it.
      String ip = s.getStatus() == null ? null : s.getStatus().getSandboxIp();
      if ("true".equals(a.get(MetadataKeys.EXT_RETURN_SANDBOX_IP)) && ip != null && !ip.isEmpty()) {
        out.put(MetadataKeys.METADATA_SANDBOX_IP, ip);
      }
    }
    return out;
  }

  static boolean isSystemKey(String key) {
    int slash = key.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String prefix = key.substring(0, slash);
    return prefix.endsWith("kruise.io")
        || prefix.endsWith("kubernetes.io")
        || prefix.endsWith("k8s.io");
  }

  /** The create/connect answer. */
  public static Map<String, Object> sandbox(Sandbox s, String domain, SandboxTokens tokens) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sandboxID", id(s));
    m.put("templateID", templateId(s));
    m.put("alias", templateId(s));
    m.put("clientID", CLIENT_ID);
    m.put("envdVersion", ENVD_VERSION);
    String token = tokens.envdAccessToken(s);
    if (!token.isEmpty()) {
      m.put("envdAccessToken", token);
    }
    String traffic = tokens.trafficAccessToken(s);
    if (!traffic.isEmpty()) {
      m.put("trafficAccessToken", traffic);
    }
    m.put("domain", domain);
    return m;
  }

  /** One entry of a list answer ({@code ListedSandbox}); no access token. */
  public static Map<String, Object> listed(Sandbox s, SandboxState state) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sandboxID", id(s));
    m.put("templateID", templateId(s));
    m.put("alias", templateId(s));
    m.put("clientID", CLIENT_ID);
    m.put("startedAt", startedAt(s).toString());
    m.put("endAt", endAt(s).toString());
    m.put("envdVersion", ENVD_VERSION);
    Resources r = resources(s);
    m.put("cpuCount", r.cpuCount());
    m.put("memoryMB", r.memoryMB());
    m.put("diskSizeMB", r.diskSizeMB());
    m.put("state", state == SandboxState.PAUSED ? "paused" : "running");
    m.put("metadata", metadata(s));
    return m;
  }

  /** {@code GET /sandboxes/{id}} ({@code SandboxDetail}). */
  public static Map<String, Object> detail(
      Sandbox s, SandboxState state, String domain, SandboxTokens tokens, boolean autoResume) {
    Map<String, Object> m = listed(s, state);
    String token = tokens.envdAccessToken(s);
    if (!token.isEmpty()) {
      m.put("envdAccessToken", token);
    }
    m.put("domain", domain);
    Map<String, Object> lifecycle = new LinkedHashMap<>();
    lifecycle.put("onTimeout", Deadlines.of(s).autoPause() ? "pause" : "kill");
    lifecycle.put("autoResume", autoResume);
    m.put("lifecycle", lifecycle);
    return m;
  }

  /**
   * Whether traffic may resume the sandbox once paused: it asked at create (E2B's {@code
   * autoResume}) or a SandboxSet of its template in its namespace carries the annotation. The sets
   * are only looked up when the sandbox itself did not ask.
   */
  public static boolean autoResume(Sandbox s, Supplier<Collection<SandboxSet>> templateSets) {
    if (asksAutoResume(s.getMetadata().getAnnotations())) {
      return true;
    }
    String ns = s.getMetadata().getNamespace();
    return templateSets.get().stream()
        .filter(set -> ns.equals(set.getMetadata().getNamespace()))
        .anyMatch(set -> asksAutoResume(set.getMetadata().getAnnotations()));
  }

  private static boolean asksAutoResume(Map<String, String> annotations) {
    return annotations != null
        && "true".equals(annotations.get(MetadataKeys.ANNOTATION_AUTO_RESUME));
  }

  /** Sizes E2B reports; Python requires ints. */
  public record Resources(int cpuCount, int memoryMB, int diskSizeMB) {}

  public static Resources resources(Sandbox s) {
    Optional<ResourceRequirements> req =
        Optional.ofNullable(s.getSpec())
            .map(sp -> sp.getTemplate())
            .map(t -> t.getSpec())
            .map(p -> p.getContainers())
            .filter(l -> !l.isEmpty())
            .map((List<Container> l) -> l.get(0).getResources());
    int cpu = amount(req, "cpu").map(v -> v.setScale(0, RoundingMode.CEILING).intValue()).orElse(0);
    int mem =
        amount(req, "memory").map(v -> v.divide(BigDecimal.valueOf(1 << 20)).intValue()).orElse(0);
    int disk =
        amount(req, "ephemeral-storage")
            .map(v -> v.divide(BigDecimal.valueOf(1 << 20)).intValue())
            .orElse(0);
    return new Resources(
        cpu > 0 ? cpu : DEFAULT_CPU,
        mem > 0 ? mem : DEFAULT_MEMORY_MB,
        disk > 0 ? disk : DEFAULT_DISK_MB);
  }

  /** Request if set, else limit. */
  private static Optional<BigDecimal> amount(Optional<ResourceRequirements> req, String name) {
    return req.flatMap(
        r -> {
          Quantity q = r.getRequests() == null ? null : r.getRequests().get(name);
          if (q == null && r.getLimits() != null) {
            q = r.getLimits().get(name);
          }
          if (q == null) {
            return Optional.empty();
          }
          try {
            return Optional.of(q.getNumericalAmount());
          } catch (RuntimeException e) {
            return Optional.empty();
          }
        });
  }
}
