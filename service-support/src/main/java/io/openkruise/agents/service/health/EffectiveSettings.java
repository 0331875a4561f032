package io.openkruise.agents.service.health;

import java.util.Map;

/** The settings a service shows in its readiness check "configuration", by name. */
@FunctionalInterface
public interface EffectiveSettings {

  Map<String, String> shown();
}
