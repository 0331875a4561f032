package io.openkruise.agents.manager.config;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness shows the effective settings, so an operator can see what a pod actually read. */
@Readiness
@ApplicationScoped
public class ConfigurationHealthCheck implements HealthCheck {

  private final ManagerConfig config;

  ConfigurationHealthCheck(ManagerConfig config) {
    this.config = config;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("configuration")
        .up()
        .withData("domain", config.e2b().domain())
        .withData("systemNamespace", config.systemNamespace())
        .withData("servedNamespaces", config.servedNamespaces().map(String::valueOf).orElse("*"))
        .build();
  }
}
