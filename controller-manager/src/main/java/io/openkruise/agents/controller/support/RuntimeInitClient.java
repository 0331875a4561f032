package io.openkruise.agents.controller.support;

import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.controller.ControllerConfig;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.envd.init.InitClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Calls the sandbox runtime's {@code POST /init} (env vars, access token) through the shared {@link
 * InitClient}, with bounded exponential retries: the runtime may still be starting right after
 * Ready.
 */
@ApplicationScoped
public class RuntimeInitClient {

  private final InitClient client;
  private final SandboxSecrets secrets;

  public RuntimeInitClient(ControllerConfig config, SandboxSecrets secrets) {
    this.client =
        new InitClient(
            config.runtimeInit().attempts(),
            config.runtimeInit().firstBackoff(),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5));
    this.secrets = secrets;
  }

  /**
   * Base URL of a sandbox's runtime: the pod IP the controller itself wrote into {@code
   * status.sandboxIp}, on envd's port. Never an address from a field a tenant can write: the {@code
   * runtime-url} annotation (and its legacy spelling) is not honoured for dialling, since a
   * SandboxClaim's annotations end up on the Sandbox and would make us POST anywhere (SSRF).
   */
  public static Optional<String> runtimeUrl(Sandbox sandbox) {
    return RuntimeAddress.envd(
        sandbox.getStatus() == null ? null : sandbox.getStatus().getSandboxIp());
  }

  /**
   * @return empty on success, else why init failed after all retries
   */
  public Optional<String> init(Sandbox sandbox, Map<String, String> envVars, String accessToken) {
    Optional<String> base = runtimeUrl(sandbox);
    if (base.isEmpty()) {
      return Optional.of("sandbox has no pod IP");
    }
    return client.init(
        new InitClient.Request(
            base.get(),
            secrets.bootstrapToken(sandbox.getMetadata().getUid()),
            envVars,
            accessToken,
            null));
  }

  /**
   * Whether the sandbox's runtime was initialised ({@link InitClient#probe}, with its access token
   * if it is secure); {@code UNREACHABLE} without a pod IP.
   */
  public InitClient.InitState probe(Sandbox sandbox) {
    return runtimeUrl(sandbox)
        .map(base -> client.probe(base, secrets.envdAccessToken(sandbox)))
        .orElse(InitClient.InitState.UNREACHABLE);
  }
}
