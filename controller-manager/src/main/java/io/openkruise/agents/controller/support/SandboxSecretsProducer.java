package io.openkruise.agents.controller.support;

import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.controller.ControllerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The per-sandbox secrets, derived from the control-plane key the sandbox-manager holds too. */
@ApplicationScoped
public class SandboxSecretsProducer {

  @Produces
  @Singleton
  SandboxSecrets sandboxSecrets(ControllerConfig config) {
    return SandboxSecrets.fromKey(
        config
            .security()
            .sandboxKey()
            .filter(k -> !k.isBlank())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "kruise.security.sandbox-key (env KRUISE_SANDBOX_KEY) is required: the"
                            + " control-plane key shared with the sandbox-manager")));
  }

  /** Fails the start, not the first sandbox, when the key is missing or too short. */
  void checkSandboxKey(@Observes StartupEvent start, SandboxSecrets secrets) {}
}
