package io.openkruise.agents.manager.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.manager.network.NetworkRules;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A validated E2B create body ({@code NewSandbox}). Unknown fields (mcp, volumeMounts...) are
 * accepted and ignored, as the SDKs always send some of them; of {@code network}, {@code
 * allowPublicTraffic} and the egress rules ({@link NetworkRules}, with the top-level {@code
 * allow_internet_access}) are read.
 *
 * @param autoResume E2B {@code autoResume}: traffic through the proxy resumes the paused sandbox
 * @param metadata the user's metadata with the extension keys removed
 * @param allowPublicTraffic E2B {@code network.allowPublicTraffic} (default true); false makes the
 *     sandbox's user ports require its {@code trafficAccessToken}
 * @param network the egress rules asked for; empty: none (the namespace's defaults apply)
 */
public record CreateRequest(
    String templateId,
    Duration timeout,
    boolean autoPause,
    boolean autoResume,
    boolean secure,
    Map<String, String> metadata,
    Map<String, String> envVars,
    Extensions extensions,
    boolean allowPublicTraffic,
    Optional<NetworkRules> network) {

  /** Kubernetes qualified name (annotation key): optional DNS-subdomain prefix, then a name. */
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile(
          "^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");

  private static final Pattern TEMPLATE = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** Limits that come from configuration. */
  public record Limits(
      Duration defaultTimeout,
      Duration maxTimeout,
      Duration maxClaimTimeout,
      Duration maxWaitReadyTimeout) {

    /** Without a separate wait-ready maximum: the claim maximum bounds both. */
    public Limits(Duration defaultTimeout, Duration maxTimeout, Duration maxClaimTimeout) {
      this(defaultTimeout, maxTimeout, maxClaimTimeout, maxClaimTimeout);
    }
  }

  /**
   * @param v2 {@code POST /v2/sandboxes}: always secured
   * @throws E2bException 400 with a message naming the bad field
   */
  public static CreateRequest parse(JsonNode body, boolean v2, Limits limits) {
    if (body == null || !body.isObject()) {
      throw E2bException.badRequest("request body must be a JSON object");
    }
    JsonNode template = body.get("templateID");
    if (template == null || !template.isTextual() || template.asText().isBlank()) {
      throw E2bException.badRequest("templateID is required");
    }
    String templateId = stripTag(template.asText().trim());
    if (!TEMPLATE.matcher(templateId).matches()) {
      throw E2bException.notFound("template " + template.asText() + " not found");
    }
    Duration timeout =
        Timeouts.parse(
            body.get("timeout"), "timeout", limits.defaultTimeout(), limits.maxTimeout());
    boolean autoPause = bool(body, "autoPause", false);
    boolean secure = v2 || bool(body, "secure", false);
    boolean allowPublicTraffic = allowPublicTraffic(body);
    Optional<NetworkRules> network = NetworkRules.fromCreate(body);
    if (!allowPublicTraffic && !secure) {
      // E2B's rule: a private sandbox needs the envd token too, or its runtime would be open.
      throw E2bException.badRequest("network.allowPublicTraffic=false requires secure=true");
    }
    Map<String, String> metadata = strings(body, "metadata");
    Map<String, String> envVars = strings(body, "envVars");
    Extensions.Split split =
        Extensions.split(metadata, limits.maxClaimTimeout(), limits.maxWaitReadyTimeout());
    split
        .metadata()
        .keySet()
        .forEach(
            k -> {
              if (k.length() > 316 || !QUALIFIED_NAME.matcher(k).matches()) {
                throw E2bException.badRequest("invalid metadata key " + k);
              }
            });
    envVars
        .keySet()
        .forEach(
            k -> {
              if (k.isEmpty() || k.contains("=") || k.contains("\0")) {
                throw E2bException.badRequest("invalid env var name " + k);
              }
            });
    return new CreateRequest(
        templateId,
        timeout,
        autoPause,
        AutoResumeOption.parse(body),
        secure,
        split.metadata(),
        envVars,
        split.extensions(),
        allowPublicTraffic,
        network);
  }

  private static boolean allowPublicTraffic(JsonNode body) {
    JsonNode network = body.get("network");
    if (network == null || network.isNull()) {
      return true;
    }
    if (!network.isObject()) {
      throw E2bException.badRequest("network must be an object");
    }
    JsonNode n = network.get("allowPublicTraffic");
    if (n == null || n.isNull()) {
      return true;
    }
    if (!n.isBoolean()) {
      throw E2bException.badRequest("network.allowPublicTraffic must be a boolean");
    }
    return n.booleanValue();
  }

  /** E2B template refs may carry {@code :tag}; there is one version of a SandboxSet. */
  private static String stripTag(String ref) {
    int colon = ref.indexOf(':');
    return colon < 0 ? ref : ref.substring(0, colon);
  }

  static boolean bool(JsonNode body, String field, boolean fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw E2bException.badRequest(field + " must be a boolean");
    }
    return n.booleanValue();
  }

  /** A string-to-string object; metadata and env var values are strings in E2B. */
  static Map<String, String> strings(JsonNode body, String field) {
    JsonNode n = body.get(field);
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw E2bException.badRequest(field + " must be an object of strings");
    }
    var it = n.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (!e.getValue().isTextual()) {
        throw E2bException.badRequest(field + "." + e.getKey() + " must be a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
