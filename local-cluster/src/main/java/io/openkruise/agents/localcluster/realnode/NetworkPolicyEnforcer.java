package io.openkruise.agents.localcluster.realnode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.kube.KubeBinaries;
import io.openkruise.agents.localcluster.process.ChildProcess;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * NetworkPolicy enforcement on the {@link RealNode}: kube-router's network policy controller (only
 * that part: no routing, no service proxy) in the node's network namespace, where the pod bridge
 * is. It programs iptables chains and ipsets there, so they die with the namespace. Built by {@code
 * local-cluster/bin/install-netpol}, which also packs the netcheck probe image the NetworkPolicy
 * test uses.
 *
 * <p>It reads the API server as {@value #USER}, bound to a ClusterRole that can only get, list and
 * watch what its informers read.
 */
public final class NetworkPolicyEnforcer {
  private static final Logger LOG = Logger.getLogger(NetworkPolicyEnforcer.class.getName());
  static final String INSTALL_SCRIPT = "local-cluster/bin/install-netpol";
  static final String USER = "system:kruise-network-policy";
  static final String ROLE = "kruise-real-node:network-policy";

  /** What {@code install-netpol} installed, read from its {@code netpol.env}. */
  public record Install(
      Path dir, Path kubeRouter, String kubeRouterVersion, String netcheckImage, Path netcheckTar) {

    /** Runs the install script (cached: well under a second) and reads what it installed. */
    public static Install resolve(PrintStream progress) {
      Path script =
          KubeBinaries.findScript(INSTALL_SCRIPT)
              .orElseThrow(() -> new IllegalStateException("cannot find " + INSTALL_SCRIPT));
      return in(
          KubeBinaries.runScript(
              script, progress, "NetworkPolicy enforcement cannot be installed here."));
    }

    static Install in(Path dir) {
      Map<String, String> env = NodeBinaries.readEnv(dir.resolve("netpol.env"));
      Install i =
          new Install(
              dir,
              Path.of(env.getOrDefault("KUBE_ROUTER", dir.resolve("kube-router").toString())),
              env.getOrDefault("KUBE_ROUTER_VERSION", "unknown"),
              env.get("NETCHECK_IMAGE"),
              Path.of(env.getOrDefault("NETCHECK_TAR", dir.resolve("netcheck.tar").toString())));
      if (!Files.isExecutable(i.kubeRouter) || i.netcheckImage == null) {
        throw new IllegalStateException("incomplete install in " + dir + ": " + env);
      }
      return i;
    }
  }

  private NetworkPolicyEnforcer() {}

  /**
   * Starts the enforcer as one of the node's daemons (stopped with them) and waits until it has
   * hooked its chains into the node namespace's filter table.
   */
  static void start(NodeContext node, List<ChildProcess> watched) {
    long t0 = System.nanoTime();
    Install install = Install.resolve(System.err);
    grantReadAccess(node.cluster().client());
    Path kubeconfig =
        node.configs().inNodeNamespace("network-policy", USER, "kruise:network-policy");
    letTheNodeReachItsPods(node.plan());
    ChildProcess enforcer =
        node.daemons()
            .start(
                "kube-router",
                "node",
                "new",
                List.of(
                    install.kubeRouter().toString(),
                    "--kubeconfig=" + kubeconfig,
                    "--hostname-override=" + NodePlan.NODE_NAME,
                    "--run-firewall=true",
                    "--run-router=false",
                    "--run-service-proxy=false",
                    "--run-loadbalancer=false",
                    "--service-cluster-ip-range=" + NodePlan.SERVICE_CIDR,
                    "--enable-ipv6=false",
                    // Nothing listens: no health or metrics port in the node namespace.
                    "--health-port=0",
                    "--metrics-port=0",
                    "--v=1"));
    List<ChildProcess> all = new ArrayList<>(watched);
    all.add(enforcer);
    node.daemons()
        .await(
            "kube-router's policy chains in the node namespace",
            () ->
                HostCommand.iptablesInNode(node.plan(), List.of("-S", "FORWARD"))
                    .output()
                    .contains("KUBE-ROUTER-FORWARD"),
            all);
    LOG.info(
        () ->
            String.format(
                "NetworkPolicy enforcer kube-router %s running in %s in %d ms",
                install.kubeRouterVersion(),
                node.plan().netns(),
                (System.nanoTime() - t0) / 1_000_000));
  }

  /**
   * kube-router lets a node reach its own pods (kubelet's probes) by accepting sources of type
   * LOCAL. Here kubelet runs in the host namespace and reaches the pods through the veth, from an
   * address that is not local to the node namespace, so under any ingress policy every probe of a
   * selected pod was refused (and the pod turned unready). The host end of the veth is this node's
   * own address: its packets to the pods get the mark kube-router's pod chains treat as "a policy
   * accepted this" (0x10000), in the mangle table, which kube-router does not manage. The rule
   * lives in the node namespace and goes with it.
   */
  private static void letTheNodeReachItsPods(NodePlan plan) {
    HostCommand.Result r =
        HostCommand.iptablesInNode(
            plan,
            List.of(
                "-t",
                "mangle",
                "-A",
                "FORWARD",
                "-s",
                plan.hostIp() + "/32",
                "-d",
                plan.podCidr(),
                "-m",
                "comment",
                "--comment",
                "kruise real node: kubelet (host namespace) to its pods, as kube-router allows LOCAL",
                "-j",
                "MARK",
                "--set-xmark",
                "0x10000/0x10000"));
    if (r.rc() != 0) {
      throw new IllegalStateException("cannot add the node-to-pods rule: " + r.output());
    }
  }

  /** Exactly what kube-router's informers list and watch, and its one node read. */
  private static void grantReadAccess(KubernetesClient client) {
    var core = ReadAccess.read("", "pods", "namespaces", "nodes", "services", "endpoints");
    var slices = ReadAccess.read("discovery.k8s.io", "endpointslices");
    var policies = ReadAccess.read("networking.k8s.io", "networkpolicies");
    ReadAccess.grant(client, ROLE, USER, List.of(core, slices, policies));
  }
}
