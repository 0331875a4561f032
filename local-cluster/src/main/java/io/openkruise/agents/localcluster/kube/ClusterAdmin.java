package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;

/**
 * A local cluster as its admin (cluster-admin via {@code system:masters}) reaches it, the same
 * whether a test holds the control plane ({@link LocalKubernetes}) or the whole cluster ({@code
 * LocalCluster}).
 */
public interface ClusterAdmin {

  AdminConnection admin();

  /** Admin kubeconfig with embedded credentials. */
  default Path kubeconfig() {
    return admin().kubeconfig();
  }

  /** A copy of the admin client configuration (default namespace {@code default}). */
  default Config config() {
    return admin().config();
  }

  /** Shared admin client, closed with the cluster: do not close it. */
  default KubernetesClient client() {
    return admin().client();
  }

  /** A new admin client defaulting to {@code namespace}; the caller closes it. */
  default KubernetesClient newClient(String namespace) {
    return admin().newClient(namespace);
  }
}
