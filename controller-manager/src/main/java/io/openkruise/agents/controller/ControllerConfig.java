package io.openkruise.agents.controller;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/**
 * Settings of the controller-manager ({@code kruise.controller.*}), from application.properties,
 * env or Helm values. The one exception is the sandbox key ({@code kruise.security.sandbox-key},
 * {@code SandboxSecretsProducer.SecurityConfig}): it keeps the sandbox-manager's property name, and
 * a mapping rooted at {@code kruise} would reject the test bed's {@code kruise.local-cluster.*}
 * system properties as unknown.
 */
@ConfigMapping(prefix = "kruise.controller")
public interface ControllerConfig {

  /** Namespace the system runs in (leases, secrets). */
  @WithDefault("sandbox-system")
  String systemNamespace();

  @WithName("leader-election")
  LeaderElection leaderElection();

  @WithName("runtime-init")
  RuntimeInit runtimeInit();

  /**
   * How long an E2B-claimed sandbox may stay marked {@code runtime-initialized: "false"} after it
   * was claimed (or became Ready, if later) before it is deleted as a claim that never completed
   * (its sandbox-manager died mid-create). {@code 0s} turns the reaper off.
   */
  @WithName("unfinished-claim-timeout")
  @WithDefault("60s")
  Duration unfinishedClaimTimeout();

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
}
