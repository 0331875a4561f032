package io.openkruise.agents.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the controller-manager, from application.properties, env or Helm values: the one
 * config mapping of the service (keys {@code kruise.controller.*} and {@code kruise.security.*}).
 */
@ConfigMapping(prefix = "kruise")
public interface ControllerConfig {

  @WithName("controller")
  Controller controller();

  @WithName("security")
  Security security();

  interface Controller {
    /** Namespace the system runs in (leases, secrets). */
    @WithDefault("sandbox-system")
    String systemNamespace();

    @WithName("leader-election")
    LeaderElection leaderElection();

    @WithName("runtime-init")
    RuntimeInit runtimeInit();
  }

  interface LeaderElection {
    /** Name of the Lease (in the system namespace) replicas compete for. */
    @WithDefault("kruise-agents-controller-manager")
    String leaseName();
  }

  /** The runtime's {@code POST /init} after a SandboxClaim claims a sandbox. */
  interface RuntimeInit {
    /** Tries before the sandbox is given up. */
    @WithDefault("5")
    int attempts();

    /** First pause between tries; doubles each time. */
    @WithDefault("200ms")
    Duration firstBackoff();
  }

  /** Same property as the sandbox-manager's: both must derive the same secrets. */
  interface Security {
    /** Env {@code KRUISE_SANDBOX_KEY}, at least 32 characters; required. */
    Optional<String> sandboxKey();
  }
}
