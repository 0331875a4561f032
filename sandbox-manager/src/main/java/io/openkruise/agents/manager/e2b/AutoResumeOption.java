package io.openkruise.agents.manager.e2b;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * E2B's {@code autoResume} create field: {@code {"enabled": bool}} as the SDKs send it (Python
 * {@code lifecycle={"auto_resume": True}}, JS {@code lifecycle: {autoResume: true}}), or the
 * earlier API's {@code {"policy": "any" | "off"}}. Absent or null means off.
 */
public final class AutoResumeOption {

  private AutoResumeOption() {}

  /**
   * @throws E2bException 400 naming the field when it has the wrong shape
   */
  public static boolean parse(JsonNode body) {
    JsonNode n = body.get("autoResume");
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isObject()) {
      throw E2bException.badRequest("autoResume must be an object");
    }
    JsonNode enabled = n.get("enabled");
    if (enabled != null && !enabled.isNull()) {
      if (!enabled.isBoolean()) {
        throw E2bException.badRequest("autoResume.enabled must be a boolean");
      }
      return enabled.booleanValue();
    }
    JsonNode policy = n.get("policy");
    if (policy == null || policy.isNull()) {
      return false;
    }
    if (policy.isTextual() && ("any".equals(policy.asText()) || "off".equals(policy.asText()))) {
      return "any".equals(policy.asText());
    }
    throw E2bException.badRequest("autoResume.policy must be \"any\" or \"off\"");
  }
}
