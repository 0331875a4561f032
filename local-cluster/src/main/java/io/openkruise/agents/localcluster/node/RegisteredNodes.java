package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.api.MetadataKeys;
import java.time.Clock;
import java.util.List;

/**
 * The Nodes a {@link LocalNode} registered ({@link NodeRegistration}), followed as the API server
 * has them now (a node lifecycle controller may mark one NotReady and taint it), with their Lease
 * heartbeats ({@link NodeHeartbeat}) when {@link LocalNodeOptions#heartbeatEvery()} asks for them.
 */
final class RegisteredNodes implements AutoCloseable {
  private final List<String> names;
  private final List<Node> registered;
  private final SharedIndexInformer<Node> informer;
  private final NodeHeartbeat heartbeat;

  private RegisteredNodes(
      List<String> names,
      List<Node> registered,
      SharedIndexInformer<Node> informer,
      NodeHeartbeat heartbeat) {
    this.names = names;
    this.registered = registered;
    this.informer = informer;
    this.heartbeat = heartbeat;
  }

  /**
   * Creates or updates the Nodes, starts following them and starts their heartbeats.
   *
   * @param kubeletPort advertised as the kubelet endpoint (0: none)
   */
  static RegisteredNodes register(
      KubernetesClient client, LocalNodeOptions options, int kubeletPort, Clock clock) {
    List<Node> registered =
        NodeRegistration.register(client, options.nodeNames(), kubeletPort, clock.instant());
    SharedIndexInformer<Node> informer =
        client.nodes().withLabel(MetadataKeys.LABEL_LOCAL_NODE, "true").inform();
    NodeHeartbeat heartbeat =
        options.heartbeatEvery() == null
            ? null
            : new NodeHeartbeat(client, options.nodeNames(), options.heartbeatEvery(), clock);
    RegisteredNodes nodes =
        new RegisteredNodes(options.nodeNames(), registered, informer, heartbeat);
    if (heartbeat != null) {
      try {
        heartbeat.start();
      } catch (RuntimeException e) {
        nodes.close();
        throw e;
      }
    }
    return nodes;
  }

  /** Our Nodes as the API server has them now; the registered ones until the cache is synced. */
  List<Node> current() {
    List<Node> cached =
        informer.getStore().list().stream()
            .filter(n -> names.contains(n.getMetadata().getName()))
            .toList();
    return cached.size() == names.size() ? cached : registered;
  }

  /** {@code nodeName} renews its Lease no more, as a node cut off from the API server. */
  void silence(String nodeName) {
    if (!names.contains(nodeName)) {
      throw new IllegalArgumentException(nodeName + " is not one of " + names);
    }
    if (heartbeat == null) {
      throw new IllegalStateException("the node sends no heartbeats (heartbeatEvery is unset)");
    }
    heartbeat.stop(nodeName);
  }

  @Override
  public void close() {
    if (heartbeat != null) {
      heartbeat.close();
    }
    informer.close();
  }
}
