package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.openkruise.agents.localcluster.kube.KubeBinaries;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.testing.NodePods;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real-node tier: a real kubelet + containerd + runc node (see {@link RealNode}) registered
 * with the local API server runs a plain pod from an image imported from a tar (no registry), the
 * pod becomes Ready, and its output is readable through the API server (logs and exec, which go API
 * server → kubelet → containerd). Then the node is closed and nothing of it may remain.
 *
 * <p>Runs where the machine allows it (root, overlayfs, cgroup v1); otherwise it is skipped and
 * prints why ({@link MachineCheck}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@io.openkruise.agents.testing.tier.ClusterTier
class RealNodeTierTest {
  /** The repo's runtime base image (Debian bash + coreutils), as images/bin/base-image tags it. */
  static final String IMAGE = "kruise-agents-base-runtime:local";

  static LocalKubernetes cluster;
  static RealNode node;

  @BeforeAll
  static void startNode() {
    RealNodeTier.assumeThisMachine("real-node tier");
    long t0 = System.nanoTime();
    cluster = LocalKubernetes.start();
    node = RealNode.start(cluster);
    Path script =
        KubeBinaries.findScript("images/bin/base-image")
            .orElseThrow(() -> new IllegalStateException("images/bin/base-image not found"));
    Path tar =
        KubeBinaries.runScript(
            script.toAbsolutePath(),
            List.of("runtime"),
            System.err,
            "the runtime base image cannot be built.");
    node.importImage(tar);
    System.out.printf(
        "[real-node tier] cluster %s, node %s (containerd %s) Ready with %s in %d ms%n",
        cluster.version(),
        node.nodeName(),
        node.binaries().containerdVersion(),
        IMAGE,
        (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    RealNodeTier.closeInOrder(node, cluster);
  }

  @Test
  @Order(1)
  void aPlainPodRunsInARealContainerAndItsOutputIsReadable() throws Exception {
    KubernetesClient client = cluster.client();
    Pod pod =
        NodePods.runOnce(
                "default",
                "hello",
                "main",
                IMAGE,
                List.of(
                    "sh",
                    "-c",
                    "echo \"hello from $(cat /etc/hostname) uid=$(id -u)\"; "
                        + "echo boot_id=$(cat /proc/sys/kernel/random/boot_id); exec sleep 3600"))
            .editSpec()
            .editFirstContainer()
            .withNewReadinessProbe()
            .withNewExec()
            .withCommand("test", "-d", "/proc/1")
            .endExec()
            .withPeriodSeconds(1)
            .endReadinessProbe()
            .endContainer()
            .endSpec()
            .build();
    client.resource(pod).create();
    Pod ready = awaitReady("hello");
    // Scheduled by the real kube-scheduler onto the real node.
    assertThat(ready.getSpec().getNodeName()).isEqualTo(node.nodeName());
    String podIp = ready.getStatus().getPodIP();
    String prefix = node.plan().podCidr().substring(0, node.plan().podCidr().lastIndexOf('.') + 1);
    assertThat(podIp).startsWith(prefix);

    String log = client.pods().inNamespace("default").withName("hello").getLog();
    // The runtime base image runs as its user nonroot (65532).
    assertThat(log).contains("hello from hello uid=65532").containsPattern("boot_id=[0-9a-f-]{36}");

    assertThat(exec("echo exec-ok; head -1 /etc/os-release"))
        .contains("exec-ok")
        .contains("Debian");
  }

  @Test
  @Order(2)
  void thePodReachesTheApiServerThroughItsServiceAndClusterDnsAndNothingOffTheMachine()
      throws Exception {
    // kube-proxy's DNAT in the node namespace → the relay on the veth → the API server.
    assertThat(exec("(exec 3<>/dev/tcp/10.96.0.1/443) && echo service-reachable"))
        .contains("service-reachable");
    // Cluster DNS (CoreDNS behind kube-dns) with the pod's search path.
    assertThat(exec("(exec 3<>/dev/tcp/kubernetes.default/443) && echo dns-ok")).contains("dns-ok");
    // No default route: an address off the machine is unreachable before any packet is sent.
    assertThat(exec("grep -c '^eth0\t00000000' /proc/net/route; echo routes-checked"))
        .startsWith("0")
        .contains("routes-checked");
    assertThat(exec("(exec 3<>/dev/tcp/203.0.113.1/80) 2>&1 || echo refused"))
        .contains("unreachable")
        .contains("refused");
  }

  private static Pod awaitReady(String name) {
    try {
      return cluster
          .client()
          .pods()
          .inNamespace("default")
          .withName(name)
          .waitUntilCondition(
              p ->
                  p != null
                      && p.getStatus() != null
                      && p.getStatus().getConditions() != null
                      && p.getStatus().getConditions().stream()
                          .anyMatch(
                              c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
              120,
              TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      Pod p = cluster.client().pods().inNamespace("default").withName(name).get();
      String events =
          cluster.client().v1().events().inNamespace("default").list().getItems().stream()
              .map(ev -> ev.getReason() + ": " + ev.getMessage())
              .reduce("", (a, b) -> a + "\n  " + b);
      throw new AssertionError(
          "pod "
              + name
              + " not Ready: "
              + (p == null ? "gone" : p.getStatus())
              + "\nevents:"
              + events
              + "\n"
              + node.logTails(40),
          e);
    }
  }

  private static String exec(String script) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch exec =
        cluster
            .client()
            .pods()
            .inNamespace("default")
            .withName("hello")
            .writingOutput(out)
            .writingError(out)
            .exec("bash", "-c", script)) {
      exec.exitCode().get(60, TimeUnit.SECONDS);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  @Order(3)
  void closeRemovesTheNamespaceTheCgroupsAndEveryProcess() throws Exception {
    NodePlan plan = node.plan();
    Path runDir = node.runDir();
    List<ProcessHandle> ours =
        ProcessHandle.allProcesses()
            .filter(h -> h.info().commandLine().orElse("").contains(runDir.toString()))
            .toList();
    assertThat(ours).isNotEmpty();
    node.close();
    // A killed child of this JVM stays a zombie until the JVM's reaper thread collects it, and
    // isAlive() is true until then: wait for that, boundedly (a survivor still fails the test).
    await()
        .atMost(java.time.Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(ours).noneMatch(ProcessHandle::isAlive));
    assertThat(
            HostCommand.run(List.of("ip", "netns", "list"), java.time.Duration.ofSeconds(10))
                .output())
        .doesNotContain(plan.netns());
    assertThat(Path.of("/sys/fs/cgroup/pids", plan.cgroup())).doesNotExist();
    assertThat(Path.of("/sys/fs/cgroup/memory", plan.cgroup())).doesNotExist();
    assertThat(runDir).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(runDir.toString());
  }
}
