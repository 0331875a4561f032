package io.openkruise.agents.localcluster.realnode;

import java.nio.file.Path;
import java.util.Set;

/**
 * Names, addresses and configuration files of one real-node run, all derived from a small index so
 * that concurrent runs on one machine never share a namespace, an address or a cgroup.
 *
 * <p>Layout: kubelet runs in the host's network namespace and listens only on {@link #hostIp()},
 * the host end of a veth pair; containerd, its pods (a CNI bridge on {@link #podCidr()}) and later
 * kube-proxy live in the run's own network namespace {@link #netns()}, whose only link is the other
 * end ({@link #nodeIp()}). Pods get routes to their own subnet, the service range and the veth
 * subnet, and no default route; the node namespace routes nowhere else: no packet leaves the
 * machine. The host routes {@link #podCidr()} through the veth so kubelet's probes and the tests
 * reach pods.
 */
public record NodePlan(int index, Path runDir) {
  /** Must match the API server's {@code --service-cluster-ip-range}. */
  public static final String SERVICE_CIDR = "10.96.0.0/16";

  public static final String NODE_NAME = "kruise-real-node";

  /** The cluster DNS Service's address (kube-system/kube-dns), as kubeadm clusters use. */
  public static final String DNS_SERVICE_IP = "10.96.0.10";

  static final int MAX_INDEX = 250;

  public NodePlan {
    if (index < 1 || index > MAX_INDEX) {
      throw new IllegalArgumentException("index must be in 1.." + MAX_INDEX + ": " + index);
    }
  }

  /**
   * The first index from {@code from} on whose namespace does not exist and whose subnets do not
   * appear in the host's routes ({@code ip route} output).
   */
  public static int pickIndex(int from, Set<String> existingNetns, String hostRoutes) {
    for (int i = Math.max(1, from); i <= MAX_INDEX; i++) {
      if (!existingNetns.contains(netns(i))
          && !hostRoutes.contains("10.255." + i + ".")
          && !hostRoutes.contains("10.244." + i + ".")) {
        return i;
      }
    }
    throw new IllegalStateException("no free real-node index (namespaces: " + existingNetns + ")");
  }

  static String netns(int index) {
    return "kruise-node-" + index;
  }

  public String netns() {
    return netns(index);
  }

  public String vethHost() {
    return "krn" + index + "h";
  }

  public String vethNode() {
    return "krn" + index + "n";
  }

  public String hostIp() {
    return "10.255." + index + ".1";
  }

  public String nodeIp() {
    return "10.255." + index + ".2";
  }

  public String vethSubnet() {
    return "10.255." + index + ".0/30";
  }

  public String podCidr() {
    return "10.244." + index + ".0/24";
  }

  public String cgroup() {
    return "kruise-node-" + index;
  }

  public Path containerdDir() {
    return runDir.resolve("containerd");
  }

  public Path containerdSocket() {
    return containerdDir().resolve("containerd.sock");
  }

  public Path cniConfDir() {
    return runDir.resolve("cni").resolve("net.d");
  }

  public Path kubeletDir() {
    return runDir.resolve("kubelet");
  }

  /** For local-cluster/bin/real-node (sourced by the shell: values are plain words). */
  public String nodeConf() {
    return "NETNS="
        + netns()
        + "\nVETH_HOST="
        + vethHost()
        + "\nVETH_NODE="
        + vethNode()
        + "\nHOST_IP="
        + hostIp()
        + "\nNODE_IP="
        + nodeIp()
        + "\nPOD_CIDR="
        + podCidr()
        + "\nCGROUP="
        + cgroup()
        + "\n";
  }

  /**
   * containerd 1.6 (config version 2): state, sockets and snapshots in the run dir; cgroupfs; the
   * pause image imported by us (never pulled); the CRI streaming server (exec, logs -f) on the node
   * end of the veth, where kubelet in the host namespace reaches it.
   */
  public String containerdConfig(NodeBinaries bins) {
    Path d = containerdDir();
    return """
        version = 2
        root = "%s"
        state = "%s"
        # Snapshotters and tracing this node does not use: skipped instead of logging errors.
        disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", \
        "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", \
        "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

        [grpc]
          address = "%s"
        [ttrpc]
          address = "%s.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%s"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "%s"
          stream_server_address = "%s"
          stream_server_port = "0"
          netns_mounts_under_state_dir = true
          enable_selinux = false
          # Clamp the pods' oom_score_adj to containerd's own: lowering it needs CAP_SYS_RESOURCE,
          # which some hosts (VM sandboxes) drop from the bounding set; runc then fails with
          # "failed to update /proc/self/oom_score_adj: Permission denied".
          restrict_oom_score_adj = true
          [plugins."io.containerd.grpc.v1.cri".containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                SystemdCgroup = false
                BinaryName = "%s"
                # runc's state in the run dir, not the machine-wide /run/containerd/runc.
                Root = "%s"
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "%s"
            conf_dir = "%s"
            max_conf_num = 1
        """
        .formatted(
            d.resolve("root"),
            d.resolve("state"),
            containerdSocket(),
            containerdSocket(),
            d.resolve("opt"),
            bins.pauseImage(),
            nodeIp(),
            bins.runc(),
            d.resolve("runc"),
            bins.cniBinDir(),
            cniConfDir());
  }

  /**
   * A bridge in the node namespace with the pods' gateway; no IP masquerade and no default route:
   * pods reach each other, services and the veth subnet, nothing else.
   */
  public String cniConfig() {
    return """
        {
          "cniVersion": "0.4.0",
          "name": "kruise-pods",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "kbr0",
              "isGateway": true,
              "isDefaultGateway": false,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "dataDir": "%s",
                "ranges": [[{"subnet": "%s"}]],
                "routes": [{"dst": "%s"}, {"dst": "%s"}]
              }
            },
            {"type": "loopback"}
          ]
        }
        """
        .formatted(runDir.resolve("cni").resolve("ipam"), podCidr(), SERVICE_CIDR, vethSubnet());
  }

  /**
   * kubelet 1.37 on this kind of host: cgroup v1 needs {@code failCgroupV1: false} (the default
   * refuses to start); cgroupfs, as there is no systemd; our own cgroup root, so teardown finds
   * every pod; x509 client certificates from the cluster CA only (the API server's logs/exec).
   * Eviction thresholds are tiny so a fullish CI disk does not taint the node.
   */
  public String kubeletConfig(Path clientCaFile) {
    return """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        address: %s
        port: 10250
        readOnlyPort: 0
        healthzBindAddress: %s
        healthzPort: 10248
        authentication:
          anonymous:
            enabled: false
          webhook:
            enabled: false
          x509:
            clientCAFile: %s
        authorization:
          mode: AlwaysAllow
        containerRuntimeEndpoint: unix://%s
        imageServiceEndpoint: unix://%s
        cgroupDriver: cgroupfs
        cgroupRoot: /%s
        cgroupsPerQOS: true
        failCgroupV1: false
        failSwapOn: false
        resolvConf: %s
        podLogsDir: %s
        clusterDomain: cluster.local
        clusterDNS:
        - %s
        evictionHard:
          memory.available: 1Mi
          nodefs.available: 1%%
          nodefs.inodesFree: 1%%
          imagefs.available: 1%%
        imageGCHighThresholdPercent: 100
        imageGCLowThresholdPercent: 99
        serializeImagePulls: false
        registerNode: true
        maxPods: 110
        """
        .formatted(
            hostIp(),
            hostIp(),
            clientCaFile,
            containerdSocket(),
            containerdSocket(),
            cgroup(),
            runDir.resolve("resolv.conf"),
            runDir.resolve("pod-logs"),
            DNS_SERVICE_IP);
  }

  /**
   * kube-proxy in the node namespace (iptables mode: its rules live and die with the namespace). It
   * leaves the conntrack sysctls alone ({@code maxPerCore: 0}, zero timeouts): those are
   * machine-wide. NodePorts only on the node end of the veth.
   */
  public String kubeProxyConfig(Path kubeconfig) {
    return """
        apiVersion: kubeproxy.config.k8s.io/v1alpha1
        kind: KubeProxyConfiguration
        clientConnection:
          kubeconfig: %s
        mode: iptables
        clusterCIDR: %s
        hostnameOverride: %s
        bindAddress: %s
        healthzBindAddress: %s:10256
        metricsBindAddress: 127.0.0.1:10249
        nodePortAddresses: ["%s/32"]
        conntrack:
          maxPerCore: 0
          min: 0
          tcpEstablishedTimeout: 0s
          tcpCloseWaitTimeout: 0s
        iptables:
          minSyncPeriod: 0s
          syncPeriod: 30s
        """
        .formatted(kubeconfig, podCidr(), NODE_NAME, nodeIp(), nodeIp(), nodeIp());
  }

  /**
   * CoreDNS in the node namespace on the node end of the veth (the kube-dns Service's endpoint):
   * the cluster zone only, no {@code forward}: a name outside the cluster resolves nowhere, as
   * nothing outside the machine is reachable anyway.
   */
  public String corefile(Path kubeconfig) {
    return """
        .:53 {
            bind %s
            ready %s:8181
            errors
            loadbalance
            cache 5
            kubernetes cluster.local in-addr.arpa ip6.arpa {
                kubeconfig %s
                pods insecure
                fallthrough in-addr.arpa ip6.arpa
            }
        }
        """
        .formatted(nodeIp(), nodeIp(), kubeconfig);
  }
}
