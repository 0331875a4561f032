package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The admin user's credentials for a local control plane (cluster-admin via {@code
 * system:masters}), as a kubeconfig file's text and as fabric8 client configuration.
 */
final class AdminAccess {

  private AdminAccess() {}

  /** A kubeconfig with embedded credentials, default namespace {@code default}. */
  static String kubeconfigYaml(URI apiServerUrl, Pki pki) {
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- name: kruise-local\n"
        + "  cluster:\n"
        + "    server: "
        + apiServerUrl
        + "\n"
        + "    certificate-authority-data: "
        + base64(pki.caCertPem())
        + "\n"
        + "users:\n"
        + "- name: kruise-local-admin\n"
        + "  user:\n"
        + "    client-certificate-data: "
        + base64(pki.adminCertPem())
        + "\n"
        + "    client-key-data: "
        + base64(pki.adminKeyPem())
        + "\n"
        + "contexts:\n"
        + "- name: kruise-local\n"
        + "  context:\n"
        + "    cluster: kruise-local\n"
        + "    user: kruise-local-admin\n"
        + "    namespace: default\n"
        + "current-context: kruise-local\n";
  }

  /** The same credentials as client configuration. */
  static Config clientConfig(URI apiServerUrl, Pki pki) {
    // Config.empty(): never pick up ~/.kube/config or KUBERNETES_* variables of the machine.
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(apiServerUrl.toString())
        .withCaCertData(base64(pki.caCertPem()))
        .withClientCertData(base64(pki.adminCertPem()))
        .withClientKeyData(base64(pki.adminKeyPem()))
        .withClientKeyAlgo(Pki.KEY_ALGORITHM)
        .withNamespace("default")
        .build();
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
