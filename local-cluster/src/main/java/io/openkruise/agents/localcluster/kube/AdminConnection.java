package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.openkruise.agents.service.client.CertificateAuthRefresh;
import java.nio.file.Path;

/**
 * How the admin reaches a local cluster: the kubeconfig file (embedded credentials), the client
 * configuration and one shared client, which the cluster closes.
 *
 * @param config read through {@link #config()}, which hands out copies
 */
public record AdminConnection(Path kubeconfig, Config config, KubernetesClient client) {

  /** The connection with its shared client, which gets its own certificate-only copy. */
  public static AdminConnection of(Path kubeconfig, Config config) {
    return new AdminConnection(
        kubeconfig,
        config,
        new KubernetesClientBuilder()
            .withConfig(certificateOnly(new ConfigBuilder(config).build()))
            .build());
  }

  /**
   * A copy of the admin client configuration: change it freely (it carries no token provider, so a
   * caller may swap the certificate for a token).
   */
  @Override
  public Config config() {
    return new ConfigBuilder(config).build();
  }

  /** A new admin client defaulting to {@code namespace}; the caller closes it. */
  public KubernetesClient newClient(String namespace) {
    return new KubernetesClientBuilder()
        .withConfig(certificateOnly(new ConfigBuilder(config).withNamespace(namespace).build()))
        .build();
  }

  /** A client's own copy, certificate only: no kubeconfig re-read before every request. */
  private static Config certificateOnly(Config copy) {
    CertificateAuthRefresh.customize(copy);
    return copy;
  }
}
