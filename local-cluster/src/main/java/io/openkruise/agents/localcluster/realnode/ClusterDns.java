package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.process.ChildProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster DNS: CoreDNS in the node namespace behind the kube-system/kube-dns Service ({@link
 * NodePlan#DNS_SERVICE_IP}), reading Services and EndpointSlices with its own identity.
 */
final class ClusterDns {
  static final String USER = "system:kruise-coredns";
  static final String ROLE = "kruise-real-node:coredns";

  private ClusterDns() {}

  /** Starts CoreDNS and waits until it answers {@code /ready}. */
  static void start(NodeContext node, List<ChildProcess> watched) {
    grantReadAccess(node.cluster().client());
    publishService(node);
    var kubeconfig = node.configs().inNodeNamespace("coredns", USER, "kruise:coredns");
    var corefile = node.configs().write("Corefile", node.plan().corefile(kubeconfig));
    ChildProcess dns =
        node.daemons()
            .start(
                "coredns",
                "node",
                "new",
                List.of(node.bins().coredns().toString(), "-conf", corefile.toString()));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI ready = URI.create("http://" + node.plan().nodeIp() + ":8181/ready");
    List<ChildProcess> all = new ArrayList<>(watched);
    all.add(dns);
    node.daemons().await("CoreDNS /ready", () -> answers(http, ready), all);
  }

  private static boolean answers(HttpClient http, URI uri) {
    try {
      HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build();
      return http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void publishService(NodeContext node) {
    node.cluster()
        .client()
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("kube-dns")
                .withNamespace("kube-system")
                .addToLabels("k8s-app", "kube-dns")
                .endMetadata()
                .withNewSpec()
                .withClusterIP(NodePlan.DNS_SERVICE_IP)
                .addNewPort()
                .withName("dns")
                .withPort(53)
                .withProtocol("UDP")
                .endPort()
                .addNewPort()
                .withName("dns-tcp")
                .withPort(53)
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .createOr(r -> r.update());
    ServiceNetworking.publishEndpoint(
        node,
        "kube-system",
        "kube-dns",
        node.plan().nodeIp(),
        List.of(
            ServiceNetworking.port("dns", 53, "UDP"),
            ServiceNetworking.port("dns-tcp", 53, "TCP")));
  }

  private static void grantReadAccess(KubernetesClient client) {
    var services = ReadAccess.read("", "endpoints", "services", "pods", "namespaces");
    var slices = ReadAccess.read("discovery.k8s.io", "endpointslices");
    ReadAccess.grant(client, ROLE, USER, List.of(services, slices));
  }
}
