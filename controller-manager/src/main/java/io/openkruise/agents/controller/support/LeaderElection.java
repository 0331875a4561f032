package io.openkruise.agents.controller.support;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.openkruise.agents.controller.ControllerConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Lease that makes one controller-manager replica active. The operator SDK uses it in the
 * profiles listed in {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod).
 */
public class LeaderElection {

  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(ControllerConfig config) {
    return new LeaderElectionConfiguration(
        config.leaderElection().leaseName(), config.systemNamespace());
  }
}
