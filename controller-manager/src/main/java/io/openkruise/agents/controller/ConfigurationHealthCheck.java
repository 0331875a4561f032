package io.openkruise.agents.controller;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness shows the effective settings, so an operator can see what a pod actually read. */
@Readiness
@ApplicationScoped
public class ConfigurationHealthCheck implements HealthCheck {

  private final ControllerConfig config;

  ConfigurationHealthCheck(ControllerConfig config) {
    this.config = config;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("configuration")
        .up()
        .withData("systemNamespace", config.systemNamespace())
        .withData("leaderElectionLease", config.leaderElection().leaseName())
        .build();
  }
}
