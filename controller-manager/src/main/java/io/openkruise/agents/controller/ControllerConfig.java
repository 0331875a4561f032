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
    /** Name of the Lease (in the system namespace) replicas compete for. */
    @WithDefault("kruise-agents-controller-manager")
    String leaseName();
  }
}
