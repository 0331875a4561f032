package io.openkruise.agents.service.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness shows the effective settings, so an operator can see what a pod actually read. Which
 * settings is each service's {@link EffectiveSettings} bean.
 */
@Readiness
@ApplicationScoped
public class ConfigurationHealthCheck implements HealthCheck {

  private final EffectiveSettings settings;

  ConfigurationHealthCheck(EffectiveSettings settings) {
    this.settings = settings;
  }

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response = HealthCheckResponse.named("configuration").up();
    settings.shown().forEach(response::withData);
    return response.build();
  }
}
