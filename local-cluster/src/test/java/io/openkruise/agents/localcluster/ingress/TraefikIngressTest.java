package io.openkruise.agents.localcluster.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class TraefikIngressTest {

  private static final TraefikIngress.Options OPTIONS =
      new TraefikIngress.Options(
          "nginx", "sandbox-system", new InetSocketAddress("127.0.0.1", 18443), Path.of("/w"));

  @Test
  void servesOneClassInOneNamespaceOnTheGivenAddressOnly() {
    List<String> command =
        TraefikIngress.command(Path.of("/bin/traefik"), OPTIONS, Path.of("/w/access.log"));
    assertThat(command.get(0)).isEqualTo("/bin/traefik");
    assertThat(command)
        .contains(
            "--entrypoints.websecure.address=127.0.0.1:18443",
            "--entrypoints.websecure.http.tls=true",
            "--providers.kubernetesingress.ingressclass=nginx",
            "--providers.kubernetesingress.namespaces=sandbox-system",
            "--accesslog.filepath=/w/access.log");
    assertThat(command.stream().filter(a -> a.startsWith("--entrypoints.")).toList())
        .as("one entry point, no plain-HTTP one")
        .hasSize(2);
  }

  @Test
  void neverCallsHome() {
    assertThat(TraefikIngress.command(Path.of("t"), OPTIONS, Path.of("a")))
        .contains("--global.checknewversion=false", "--global.sendanonymoususage=false")
        .noneMatch(a -> a.startsWith("--api") || a.startsWith("--pilot") || a.startsWith("--hub"));
  }

  @Test
  void kubeconfigCarriesTheServiceAccountTokenAndTheClusterCa() {
    String kubeconfig =
        TraefikIngress.kubeconfig("https://127.0.0.1:6443", "-----BEGIN CERTIFICATE-----", "tok");
    assertThat(kubeconfig)
        .contains("server: https://127.0.0.1:6443")
        .contains("token: tok")
        .contains("certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t")
        .doesNotContain("client-certificate", "client-key");
  }
}
