package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class NodePlanTest {
  static final NodeBinaries BINS =
      new NodeBinaries(
          Path.of("/cache/node"),
          Path.of("/cache/node/kubelet"),
          Path.of("/cache/node/kube-proxy"),
          Path.of("/cache/node/kube-scheduler"),
          Path.of("/cache/node/coredns"),
          Path.of("/usr/bin/containerd"),
          Path.of("/usr/bin/ctr"),
          Path.of("/usr/sbin/runc"),
          Path.of("/usr/lib/cni"),
          "localhost/kruise-agents/pause:r1",
          Path.of("/cache/node/pause.tar"),
          "1.6.20");

  @Test
  void namesAndAddressesDeriveFromTheIndexAndFitLinuxLimits() {
    NodePlan p = new NodePlan(250, Path.of("/tmp/run"));
    assertThat(p.netns()).isEqualTo("kruise-node-250");
    assertThat(p.vethHost()).isEqualTo("krn250h").hasSizeLessThanOrEqualTo(15);
    assertThat(p.vethNode()).isEqualTo("krn250n");
    assertThat(p.hostIp()).isEqualTo("10.255.250.1");
    assertThat(p.nodeIp()).isEqualTo("10.255.250.2");
    assertThat(p.podCidr()).isEqualTo("10.244.250.0/24");
    assertThat(p.nodeConf())
        .contains("NETNS=kruise-node-250\n")
        .contains("CGROUP=kruise-node-250\n");
    assertThatThrownBy(() -> new NodePlan(0, Path.of("/tmp/run")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pickIndexSkipsTakenNamespacesAndRoutedSubnets() {
    String routes = "default via 192.0.2.1 dev eth0\n10.244.2.0/24 via 10.255.2.2 dev krn2h\n";
    assertThat(NodePlan.pickIndex(1, Set.of("kruise-node-1"), routes)).isEqualTo(3);
    assertThat(NodePlan.pickIndex(1, Set.of(), "")).isEqualTo(1);
    assertThat(NodePlan.pickIndex(7, Set.of(), "")).isEqualTo(7);
  }

  @Test
  void podsGetNoDefaultRouteAndNoMasquerade() {
    String cni = new NodePlan(4, Path.of("/tmp/run")).cniConfig();
    assertThat(cni)
        .contains("\"isDefaultGateway\": false")
        .contains("\"ipMasq\": false")
        .contains("\"subnet\": \"10.244.4.0/24\"")
        .contains("{\"dst\": \"10.96.0.0/16\"}, {\"dst\": \"10.255.4.0/30\"}")
        .doesNotContain("0.0.0.0/0");
  }

  @Test
  void kubeletRunsOnCgroupV1WithCgroupfsUnderTheRunsCgroupAndListensOnlyOnTheVeth() {
    String k = new NodePlan(4, Path.of("/tmp/run")).kubeletConfig(Path.of("/tmp/run/ca.crt"));
    assertThat(k)
        .contains("failCgroupV1: false")
        .contains("cgroupDriver: cgroupfs")
        .contains("cgroupRoot: /kruise-node-4")
        .contains("address: 10.255.4.1")
        .contains("healthzBindAddress: 10.255.4.1")
        .contains("readOnlyPort: 0")
        .contains("clientCAFile: /tmp/run/ca.crt")
        .contains("containerRuntimeEndpoint: unix:///tmp/run/containerd/containerd.sock")
        .contains("nodefs.available: 1%");
  }

  @Test
  void containerdKeepsEverythingInTheRunDirAndUsesOurPauseImage() {
    String c = new NodePlan(4, Path.of("/tmp/run")).containerdConfig(BINS);
    assertThat(c)
        .contains("root = \"/tmp/run/containerd/root\"")
        .contains("address = \"/tmp/run/containerd/containerd.sock\"")
        .contains("sandbox_image = \"localhost/kruise-agents/pause:r1\"")
        .contains("stream_server_address = \"10.255.4.2\"")
        .contains("SystemdCgroup = false")
        .contains("restrict_oom_score_adj = true")
        .contains("Root = \"/tmp/run/containerd/runc\"")
        .contains("BinaryName = \"/usr/sbin/runc\"")
        .contains("conf_dir = \"/tmp/run/cni/net.d\"");
  }

  @Test
  void kubeProxyLeavesMachineWideConntrackSettingsAloneAndDnsForwardsNothing() {
    NodePlan p = new NodePlan(4, Path.of("/tmp/run"));
    assertThat(p.kubeProxyConfig(Path.of("/tmp/run/kube-proxy.kubeconfig")))
        .contains("mode: iptables")
        .contains("maxPerCore: 0")
        .contains("clusterCIDR: 10.244.4.0/24")
        .contains("nodePortAddresses: [\"10.255.4.2/32\"]");
    assertThat(p.corefile(Path.of("/tmp/run/coredns.kubeconfig")))
        .contains("bind 10.255.4.2")
        .contains("kubernetes cluster.local in-addr.arpa ip6.arpa")
        .doesNotContain("forward");
    assertThat(p.kubeletConfig(Path.of("/tmp/run/ca.crt")))
        .contains("- " + NodePlan.DNS_SERVICE_IP);
  }
}
