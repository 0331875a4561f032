package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.openkruise.agents.localcluster.process.ChildProcess;
import java.net.InetAddress;
import java.util.List;

/**
 * Services: the API server's {@code kubernetes} Service gets the relay on the host end of the veth
 * as its endpoint (the API server itself listens on loopback only), and kube-proxy programs the
 * node namespace's iptables.
 */
final class ServiceNetworking {
  private ServiceNetworking() {}

  /**
   * Starts the relay and kube-proxy and waits until the {@code kubernetes} Service is in the node
   * namespace's iptables.
   *
   * @return the relay (the caller closes it)
   */
  static TcpRelay start(NodeContext node, List<ChildProcess> watched) {
    NodePlan plan = node.plan();
    int apiPort = node.cluster().apiServerUrl().getPort();
    TcpRelay relay = TcpRelay.start(plan.hostIp(), apiPort, InetAddress.getLoopbackAddress());
    try {
      publishEndpoint(
          node, "default", "kubernetes", plan.hostIp(), List.of(port("https", apiPort, "TCP")));
      var kubeconfig =
          node.configs().inNodeNamespace("kube-proxy", "system:kube-proxy", "kruise:kube-proxy");
      var config = node.configs().write("kube-proxy.yaml", plan.kubeProxyConfig(kubeconfig));
      ChildProcess proxy =
          node.daemons()
              .start(
                  "kube-proxy",
                  "node",
                  "new",
                  List.of(node.bins().kubeProxy().toString(), "--config=" + config, "--v=1"));
      List<ChildProcess> all = new java.util.ArrayList<>(watched);
      all.add(proxy);
      node.daemons()
          .await(
              "kube-proxy (the kubernetes Service in the node namespace's iptables)",
              () ->
                  HostCommand.iptablesInNode(plan, List.of("-t", "nat", "-S", "KUBE-SERVICES"))
                      .output()
                      .contains("10.96.0.1/32"),
              all);
      return relay;
    } catch (RuntimeException e) {
      relay.close();
      throw e;
    }
  }

  static EndpointPort port(String name, int port, String protocol) {
    return new EndpointPortBuilder().withName(name).withPort(port).withProtocol(protocol).build();
  }

  /** An EndpointSlice that points a selector-less Service at a node-side address. */
  static void publishEndpoint(
      NodeContext node,
      String namespace,
      String service,
      String address,
      List<EndpointPort> ports) {
    EndpointSlice slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(service + "-real-node")
            .withNamespace(namespace)
            .addToLabels("kubernetes.io/service-name", service)
            .addToLabels("endpointslice.kubernetes.io/managed-by", "kruise-agents.local-cluster")
            .endMetadata()
            .withAddressType("IPv4")
            .addNewEndpoint()
            .withAddresses(address)
            .withNewConditions()
            .withReady(true)
            .endConditions()
            .endEndpoint()
            .withPorts(ports)
            .build();
    node.cluster().client().resource(slice).createOr(r -> r.update());
  }
}
