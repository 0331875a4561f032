package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.openkruise.agents.controller.ControllerConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The Lease that makes one controller-manager replica active. The operator SDK uses it in the
 * profiles listed in {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod).
 */
public class LeaderElection {

  private static final Logger LOG = Logger.getLogger(LeaderElection.class);

  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(ControllerConfig config) {
    String identity = System.getenv().getOrDefault("HOSTNAME", UUID.randomUUID().toString());
    return new LeaderElectionConfiguration(
        config.leaderElection().leaseName(),
        config.systemNamespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        identity,
        new LeaderCallbacks(() -> {}, LeaderElection::exitAfterLosingTheLease, leader -> {}),
        // The SDK's own exit runs System.exit on the thread that stops the operator, which is a
        // shutdown hook during a normal stop: the JVM then waits for itself forever
        // (java-operator-sdk#1614, #3376; gone with a JOSDK release containing #3383).
        false);
  }

  /**
   * A replica that lost its Lease must restart so it cannot act as a second leader. Exit from a
   * daemon thread: during a normal shutdown that call just blocks harmlessly while the JVM ends.
   */
  private static void exitAfterLosingTheLease() {
    Thread exit =
        new Thread(
            () -> {
              LOG.info(
                  "stopped leading; exiting (expected during shutdown, else the replica restarts)");
              System.exit(1);
            },
            "leader-lost-exit");
    exit.setDaemon(true);
    exit.start();
  }
}
