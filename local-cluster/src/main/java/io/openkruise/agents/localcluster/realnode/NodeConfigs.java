package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.kube.Pki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The files the node's daemons read from its run dir: containerd, CNI, kubelet and resolver
 * configuration, and one kubeconfig per identity (each a client certificate from the cluster's CA).
 */
record NodeConfigs(LocalKubernetes cluster, NodePlan plan, Path runDir) {

  /** What containerd and kubelet need before they start. */
  void writeNodeConfigs(NodeBinaries bins) {
    try {
      Files.createDirectories(plan.cniConfDir());
      Files.createDirectories(plan.kubeletDir());
      Files.writeString(runDir.resolve("containerd.toml"), plan.containerdConfig(bins));
      Files.writeString(plan.cniConfDir().resolve("10-kruise-pods.conflist"), plan.cniConfig());
      Path ca = runDir.resolve("ca.crt");
      Files.writeString(ca, cluster.pki().caCertPem());
      Files.writeString(runDir.resolve("kubelet.yaml"), plan.kubeletConfig(ca));
      // No cluster DNS yet: pods get an empty resolver configuration rather than the host's.
      Files.writeString(runDir.resolve("resolv.conf"), "# kruise real node: no DNS yet\n");
      Path kubeconfig = onHost("kubelet", "system:node:" + NodePlan.NODE_NAME, "system:nodes");
      kubeconfig.toFile().setReadable(false, false);
      kubeconfig.toFile().setReadable(true, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file in the run dir. */
  Path write(String name, String content) {
    try {
      Path file = runDir.resolve(name);
      Files.writeString(file, content);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code <daemon>.kubeconfig} for a daemon in the host namespaces: it reaches the API server on
   * loopback.
   */
  Path onHost(String daemon, String user, String group) {
    return kubeconfig(daemon, user, group, cluster.apiServerUrl().toString(), null);
  }

  /**
   * {@code <daemon>.kubeconfig} for a daemon in the node's network namespace: it reaches the API
   * server through the relay on the host end of the veth, whose address the serving certificate
   * does not name.
   */
  Path inNodeNamespace(String daemon, String user, String group) {
    String server = "https://" + plan.hostIp() + ":" + cluster.apiServerUrl().getPort();
    return kubeconfig(daemon, user, group, server, "kubernetes");
  }

  private Path kubeconfig(
      String daemon, String user, String group, String server, String tlsServerName) {
    Pki.Credentials creds = cluster.pki().issueClientCertificate(user, group);
    return write(daemon + ".kubeconfig", render(creds, server, tlsServerName));
  }

  private String render(Pki.Credentials creds, String server, String tlsServerName) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: %s
            certificate-authority-data: %s%s
        users:
        - name: node
          user:
            client-certificate-data: %s
            client-key-data: %s
        contexts:
        - name: node
          context: {cluster: local, user: node}
        current-context: node
        """
        .formatted(
            server,
            b64.encodeToString(cluster.pki().caCertPem().getBytes(StandardCharsets.US_ASCII)),
            tlsServerName == null ? "" : "\n    tls-server-name: " + tlsServerName,
            b64.encodeToString(creds.certPem().getBytes(StandardCharsets.US_ASCII)),
            b64.encodeToString(creds.keyPem().getBytes(StandardCharsets.US_ASCII)));
  }
}
