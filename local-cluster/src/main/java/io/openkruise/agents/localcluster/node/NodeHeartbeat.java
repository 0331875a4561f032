package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A kubelet's heartbeat: renews each node's Lease in {@code kube-node-lease} on a period, which is
 * what the node lifecycle controller of kube-controller-manager watches. {@link #stop(String)}
 * silences one node, as a node cut off from the API server would go silent.
 */
final class NodeHeartbeat implements AutoCloseable {
  static final String LEASE_NAMESPACE = "kube-node-lease";

  private static final Logger LOG = Logger.getLogger(NodeHeartbeat.class.getName());

  private final KubernetesClient client;
  private final List<String> nodes;
  private final Duration every;
  private final Clock clock;
  private final Set<String> silent = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "local-node-heartbeat");
            t.setDaemon(true);
            return t;
          });

  NodeHeartbeat(KubernetesClient client, List<String> nodes, Duration every, Clock clock) {
    this.client = client;
    this.nodes = List.copyOf(nodes);
    this.every = every;
    this.clock = clock;
  }

  /** Renews every lease now, then every period. */
  void start() {
    beat();
    timer.scheduleWithFixedDelay(
        this::beat, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** This node sends no more heartbeats. */
  void stop(String node) {
    silent.add(node);
  }

  private void beat() {
    for (String node : nodes) {
      if (silent.contains(node)) {
        continue;
      }
      try {
        client
            .leases()
            .inNamespace(LEASE_NAMESPACE)
            .resource(lease(node))
            .fieldManager("local-node")
            .forceConflicts()
            .serverSideApply();
      } catch (KubernetesClientException e) {
        // The API server may be restarting: the next beat tries again, as a kubelet does.
        LOG.fine("heartbeat of " + node + " failed: " + e.getMessage());
      }
    }
  }

  /** A kubelet's lease: held by the node, 4 periods long. */
  private Lease lease(String node) {
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(node)
        .withNamespace(LEASE_NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(node)
        .withLeaseDurationSeconds((int) Math.max(1, every.toSeconds() * 4))
        .withRenewTime(ZonedDateTime.now(clock))
        .endSpec()
        .build();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
