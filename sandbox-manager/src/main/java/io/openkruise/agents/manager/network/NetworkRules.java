package io.openkruise.agents.manager.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sandbox's egress rules in E2B's terms, validated: {@code allowOut} wins over {@code denyOut},
 * anything in neither is allowed, and {@code allow_internet_access=false} is {@code denyOut} {@code
 * 0.0.0.0/0} (as E2B's orchestrator treats it). Recorded as JSON in the Sandbox annotation {@code
 * agents.kruise.io/network}.
 *
 * <p>What a NetworkPolicy cannot enforce is answered 400 naming the field, never accepted and
 * ignored: domain names (E2B filters them by SNI/Host in a proxy of its own), a port on a denyOut
 * entry, per-host {@code rules} transforms and {@code egressProxy}.
 */
public record NetworkRules(List<String> allowOut, List<String> denyOut) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public NetworkRules {
    allowOut = List.copyOf(allowOut);
    denyOut = List.copyOf(denyOut);
  }

  /**
   * The rules of an E2B create body ({@code allow_internet_access} at the top, {@code
   * network.allowOut/denyOut}); empty when it asks for none (the namespace's defaults apply).
   */
  public static Optional<NetworkRules> fromCreate(JsonNode body) {
    JsonNode network = body.get("network");
    if (network != null && !network.isNull() && !network.isObject()) {
      throw new InvalidNetworkRules("network must be an object");
    }
    if (network == null || network.isNull()) {
      network = JSON.createObjectNode();
    }
    NetworkRules rules = read(network, body.get("allow_internet_access"), "network.");
    return rules.isDefault() ? Optional.empty() : Optional.of(rules);
  }

  /**
   * The body of {@code PUT /sandboxes/{id}/network}: it replaces every egress rule, so a field left
   * out is cleared (as in E2B).
   */
  public static NetworkRules fromUpdate(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new InvalidNetworkRules("request body must be a JSON object");
    }
    return read(body, body.get("allow_internet_access"), "");
  }

  /** The record written to the Sandbox annotation. */
  public String toJson() {
    try {
      Map<String, List<String>> record = new LinkedHashMap<>();
      record.put("allowOut", allowOut);
      record.put("denyOut", denyOut);
      return JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the annotation back; empty when it is absent or unreadable. */
  public static Optional<NetworkRules> fromJson(String json) {
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(json);
      return Optional.of(new NetworkRules(strings(n, "allowOut", ""), strings(n, "denyOut", "")));
    } catch (JsonProcessingException | InvalidNetworkRules e) {
      return Optional.empty();
    }
  }

  /** No rule at all: everything a sandbox may reach by default stays reachable. */
  public boolean isDefault() {
    return allowOut.isEmpty() && denyOut.isEmpty();
  }

  public List<EgressRule> allowRules() {
    return allowOut.stream().map(e -> EgressRule.parse(e, "allowOut")).toList();
  }

  public List<EgressRule> denyRules() {
    return denyOut.stream().map(e -> EgressRule.parse(e, "denyOut")).toList();
  }

  private static NetworkRules read(JsonNode network, JsonNode allowInternet, String prefix) {
    if (allowInternet != null && !allowInternet.isNull() && !allowInternet.isBoolean()) {
      throw new InvalidNetworkRules("allow_internet_access must be a boolean");
    }
    unsupported(network, "egressProxy", prefix, "an egress proxy is not supported on Kubernetes");
    JsonNode rules = network.get("rules");
    if (rules != null && !rules.isNull() && !(rules.isObject() && rules.isEmpty())) {
      throw new InvalidNetworkRules(
          prefix
              + "rules: per-host request transforms are not supported on Kubernetes (they need an"
              + " HTTP egress proxy)");
    }
    List<String> allow = strings(network, "allowOut", prefix);
    List<String> deny = new ArrayList<>(strings(network, "denyOut", prefix));
    allow.forEach(e -> EgressRule.parse(e, prefix + "allowOut"));
    for (String e : deny) {
      if (!EgressRule.parse(e, prefix + "denyOut").allPorts()) {
        throw new InvalidNetworkRules(
            prefix
                + "denyOut: "
                + e
                + " names a port; a NetworkPolicy can deny whole addresses only (allow the ports"
                + " you need with allowOut instead)");
      }
    }
    if (allowInternet != null && allowInternet.isBoolean() && !allowInternet.booleanValue()) {
      deny.add("0.0.0.0/0");
    }
    return new NetworkRules(allow, deny.stream().distinct().toList());
  }

  private static void unsupported(JsonNode network, String field, String prefix, String why) {
    JsonNode n = network.get(field);
    if (n != null && !n.isNull()) {
      throw new InvalidNetworkRules(prefix + field + ": " + why);
    }
  }

  private static List<String> strings(JsonNode network, String field, String prefix) {
    JsonNode n = network.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new InvalidNetworkRules(prefix + field + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new InvalidNetworkRules(prefix + field + " must be a list of strings");
      }
      out.add(e.asText().strip());
    }
    return out;
  }
}
