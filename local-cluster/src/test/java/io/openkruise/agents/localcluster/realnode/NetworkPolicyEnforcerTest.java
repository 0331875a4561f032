package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code install-netpol} leaves in its dir, as the enforcer reads it. */
@io.openkruise.agents.testing.tier.UnitTier
class NetworkPolicyEnforcerTest {

  @Test
  void readsWhatInstallNetpolWrote(@TempDir Path dir) throws Exception {
    Path router = executable(dir.resolve("kube-router"));
    Files.writeString(
        dir.resolve("netpol.env"),
        String.join(
            "\n",
            "KUBE_ROUTER=" + router,
            "KUBE_ROUTER_VERSION=v2.1.0",
            "IPSET=/usr/sbin/ipset",
            "NETCHECK_IMAGE=localhost/kruise-agents/netcheck:r1",
            "NETCHECK_TAR=" + dir.resolve("netcheck.tar"),
            ""));
    NetworkPolicyEnforcer.Install install = NetworkPolicyEnforcer.Install.in(dir);
    assertThat(install.kubeRouter()).isEqualTo(router);
    assertThat(install.kubeRouterVersion()).isEqualTo("v2.1.0");
    assertThat(install.netcheckImage()).isEqualTo("localhost/kruise-agents/netcheck:r1");
    assertThat(install.netcheckTar()).isEqualTo(dir.resolve("netcheck.tar"));
  }

  @Test
  void anIncompleteInstallIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("netpol.env"), "KUBE_ROUTER=" + dir.resolve("kube-router"));
    assertThatThrownBy(() -> NetworkPolicyEnforcer.Install.in(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("incomplete install");
  }

  private static Path executable(Path p) throws Exception {
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
