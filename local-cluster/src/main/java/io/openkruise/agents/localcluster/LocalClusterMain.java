package io.openkruise.agents.localcluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import io.openkruise.agents.localcluster.realnode.ImageImporter;
import io.openkruise.agents.localcluster.realnode.MachineCheck;
import io.openkruise.agents.localcluster.realnode.RealNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a local cluster in the foreground for development: a real kube-apiserver, etcd and
 * controller manager plus the node simulator, until Ctrl-C.
 *
 * <pre>
 * java -jar local-cluster/target/local-cluster-&lt;version&gt;.jar [--kubeconfig PATH] [--nodes N]
 *                                                            [--work-dir DIR] [--apply FILE]...
 *                                                            [--real-node [--import TAR]...]
 *                                                            [--audit-log PATH]
 * </pre>
 *
 * <p>{@code --audit-log}: the API server writes its audit log there (JSON lines; the benchmark
 * counts API-server requests per claim from it).
 *
 * <p>{@code --real-node}: instead of the simulated nodes, one real node (kubelet + containerd +
 * runc, {@link RealNode}; root only) into whose containerd every {@code --import} archive (a Docker
 * "save" tar) is imported before the manifests are applied.
 *
 * <p>The kubeconfig (default {@code ./local-cluster.kubeconfig}) appears only once the cluster is
 * ready (written to a temp file and renamed), so scripts can wait for the file; it is removed again
 * on exit. Progress goes to stderr; stdout gets a few {@code local-cluster:} lines, the last being
 * {@code local-cluster: ready}.
 */
public final class LocalClusterMain {
  private LocalClusterMain() {}

  public static void main(String[] args) throws Exception {
    Path kubeconfig = Path.of("local-cluster.kubeconfig");
    int nodes = 1;
    List<Path> manifests = new ArrayList<>();
    List<Path> imports = new ArrayList<>();
    boolean realNode = false;
    LocalKubernetes.Options kubeOptions = LocalKubernetes.Options.defaults();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--kubeconfig" -> kubeconfig = Path.of(value(args, ++i));
        case "--nodes" -> nodes = Integer.parseInt(value(args, ++i));
        case "--apply" -> manifests.add(Path.of(value(args, ++i)));
        case "--real-node" -> realNode = true;
        case "--import" -> imports.add(Path.of(value(args, ++i)));
        case "--work-dir" -> kubeOptions = kubeOptions.withTempParent(Path.of(value(args, ++i)));
        case "--audit-log" -> kubeOptions = kubeOptions.withAuditLog(Path.of(value(args, ++i)));
        case "-h", "--help" -> {
          System.out.println(
              "usage: LocalClusterMain [--kubeconfig PATH] [--nodes N] [--work-dir DIR] [--apply FILE]..."
                  + " [--real-node [--import TAR]...] [--audit-log PATH]");
          return;
        }
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    List<String> nodeNames = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      nodeNames.add("local-node-" + n);
    }
    Path target = kubeconfig.toAbsolutePath();
    Running cluster =
        realNode
            ? startRealNode(kubeOptions, imports)
            : Running.of(
                LocalCluster.startReal(new LocalCluster.Options(kubeOptions, nodeNames, false)));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("local-cluster: stopping");
                  try {
                    Files.deleteIfExists(target);
                  } catch (IOException e) {
                    // best effort
                  }
                  cluster.close();
                  stopped.countDown();
                },
                "local-cluster-main-shutdown"));
    // Manifests first: whoever waits for the kubeconfig finds them applied.
    for (Path manifest : manifests) {
      try (var in = Files.newInputStream(manifest)) {
        cluster
            .client()
            .load(in)
            .resources()
            .forEach(r -> r.createOr(NonDeletingOperation::update));
      }
      System.out.println("local-cluster: applied " + manifest);
    }
    publish(cluster.kubeconfig(), target);
    System.out.println("local-cluster: " + cluster.description());
    System.out.println(
        realNode
            ? "local-cluster: real node; pods get addresses in "
                + cluster.podCidr()
                + ", routed from this host"
            : "local-cluster: nodes "
                + nodeNames
                + "; pods get 127.1.0.2 and up (envd :"
                + EnvdPorts.ENVD
                + ", code interpreter :"
                + EnvdPorts.CODE_INTERPRETER
                + ")");
    System.out.println("local-cluster: kubeconfig " + target);
    System.out.println("local-cluster: ready (Ctrl-C to stop)");
    System.out.flush();
    stopped.await();
  }

  /** What main needs of either kind of cluster. */
  private record Running(
      KubernetesClient client,
      Path kubeconfig,
      String description,
      String podCidr,
      AutoCloseable closer) {
    static Running of(LocalCluster c) {
      return new Running(c.client(), c.kubeconfig(), c.description(), null, c::close);
    }

    void close() {
      try {
        closer.close();
      } catch (Exception e) {
        System.err.println("local-cluster: stop failed: " + e);
      }
    }
  }

  private static Running startRealNode(LocalKubernetes.Options kubeOptions, List<Path> imports) {
    MachineCheck.whyNotThisMachine()
        .ifPresent(
            why -> {
              System.err.println(
                  "local-cluster: --real-node needs this machine to allow it: " + why);
              System.exit(1);
            });
    List<String> controllers = new ArrayList<>(kubeOptions.controllers());
    controllers.addAll(LocalKubernetes.WORKLOAD_CONTROLLERS);
    LocalKubernetes kube =
        LocalKubernetes.start(kubeOptions.withControllers(controllers).forRealNode());
    RealNode node;
    try {
      node = RealNode.start(kube);
    } catch (RuntimeException e) {
      kube.close();
      throw e;
    }
    ImageImporter importer = new ImageImporter(node);
    for (Path tar : imports) {
      System.out.println("local-cluster: imported " + importer.importTar(tar) + " from " + tar);
    }
    return new Running(
        kube.client(),
        kube.kubeconfig(),
        "kube-apiserver " + kube.version() + " with a real node (kubelet + containerd)",
        node.plan().podCidr(),
        () -> {
          node.close();
          kube.close();
        });
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println(args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  private static void publish(Path source, Path target) throws IOException {
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".kubeconfig-", ".tmp");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
