package io.openkruise.agents.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** Settings of the controller-manager, from application.properties, env or Helm values. */
@ConfigMapping(prefix = "kruise.controller")
public interface ControllerConfig {

  /** Namespace the system runs in (leases, secrets). */
  @WithDefault("sandbox-system")
  String systemNamespace();

  @WithName("leader-election")
  LeaderElection leaderElection();

  interface LeaderElection {
    /** Off for a single local process; on in a cluster with several replicas. */
    @WithDefault("true")
    boolean enabled();
  }
}
