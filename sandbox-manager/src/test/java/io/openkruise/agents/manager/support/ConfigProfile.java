package io.openkruise.agents.manager.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A test profile that only overrides configuration: {@code public static class On extends
 * ConfigProfile { public On() { super(Map.of("kruise.x", "y")); } }}. Quarkus creates profiles
 * through their no-argument constructor, hence one subclass per set of overrides.
 */
public abstract class ConfigProfile implements QuarkusTestProfile {

  private final Map<String, String> overrides;

  protected ConfigProfile(Map<String, String> overrides) {
    this.overrides = Map.copyOf(overrides);
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return overrides;
  }
}
