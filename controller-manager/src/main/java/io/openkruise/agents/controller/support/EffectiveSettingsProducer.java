package io.openkruise.agents.controller.support;

import io.openkruise.agents.controller.ControllerConfig;
import io.openkruise.agents.service.health.EffectiveSettings;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;

/** What the controller-manager's readiness check "configuration" shows. */
public class EffectiveSettingsProducer {

  @Produces
  @Singleton
  EffectiveSettings effectiveSettings(ControllerConfig config) {
    return () ->
        Map.of(
            "systemNamespace", config.systemNamespace(),
            "leaderElectionLease", config.leaderElection().leaseName());
  }
}
