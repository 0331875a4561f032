package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.process.ChildProcess;
import java.util.List;

/** containerd and kubelet: started in order, each waited for until it serves. */
final class NodeRuntime {
  private NodeRuntime() {}

  /** Starts containerd in the node's network namespace and waits until it answers. */
  static ChildProcess startContainerd(NodeContext node, NodeImages images) {
    ChildProcess containerd =
        node.daemons()
            .start(
                "containerd",
                "node",
                "new",
                List.of(
                    node.bins().containerd().toString(),
                    "--config",
                    node.plan().runDir().resolve("containerd.toml").toString()));
    node.daemons().await("containerd", images::containerdAnswers, List.of(containerd));
    return containerd;
  }

  /**
   * Starts kubelet in the host network namespace and containerd's mount namespace, waits until the
   * node is Ready and lifts the not-ready taint.
   */
  static ChildProcess startKubelet(NodeContext node, ChildProcess containerd) {
    NodePlan plan = node.plan();
    ChildProcess kubelet =
        node.daemons()
            .start(
                "kubelet",
                "host",
                Long.toString(containerd.process().pid()),
                List.of(
                    node.bins().kubelet().toString(),
                    "--config=" + plan.runDir().resolve("kubelet.yaml"),
                    "--kubeconfig=" + plan.runDir().resolve("kubelet.kubeconfig"),
                    "--root-dir=" + plan.kubeletDir(),
                    "--cert-dir=" + plan.kubeletDir().resolve("pki"),
                    "--hostname-override=" + NodePlan.NODE_NAME,
                    "--node-ip=" + plan.hostIp(),
                    "--v=1"));
    KubernetesClient client = node.cluster().client();
    node.daemons()
        .await(
            "node " + NodePlan.NODE_NAME + " Ready",
            () -> ready(client.nodes().withName(NodePlan.NODE_NAME).get()),
            List.of(containerd, kubelet));
    untaintReadyNode(client);
    return kubelet;
  }

  static boolean ready(Node n) {
    return n != null
        && n.getStatus() != null
        && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * kubelet registers the node with the {@code node.kubernetes.io/not-ready:NoSchedule} taint; the
   * node lifecycle controller removes it once the node is Ready. LocalKubernetes does not run that
   * controller (its simulated nodes need none), so we do its one job here.
   */
  private static void untaintReadyNode(KubernetesClient client) {
    client
        .nodes()
        .withName(NodePlan.NODE_NAME)
        .edit(
            n -> {
              if (n.getSpec().getTaints() != null) {
                n.getSpec()
                    .setTaints(
                        n.getSpec().getTaints().stream()
                            .filter(t -> !"node.kubernetes.io/not-ready".equals(t.getKey()))
                            .toList());
              }
              return n;
            });
  }
}
