package io.openkruise.agents.controller.support;

import io.openkruise.agents.api.security.SandboxSecrets;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;

/** The per-sandbox secrets, derived from the control-plane key the sandbox-manager holds too. */
@ApplicationScoped
public class SandboxSecretsProducer {

  /** Same property as the sandbox-manager's: both must derive the same secrets. */
  @ConfigMapping(prefix = "kruise.security")
  public interface SecurityConfig {
    /** Env {@code KRUISE_SANDBOX_KEY}, at least 32 characters; required. */
    Optional<String> sandboxKey();
  }

  @Produces
  @Singleton
  SandboxSecrets sandboxSecrets(SecurityConfig config) {
    return SandboxSecrets.fromKey(SandboxSecrets.requiredKey(config.sandboxKey()));
  }

  /** Fails the start, not the first sandbox, when the key is missing or too short. */
  void checkSandboxKey(@Observes StartupEvent start, SandboxSecrets secrets) {}
}
