package io.openkruise.agents.e2e;

import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.node.ImageProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The setup every chart test shares (on the simulated node, the real node and k3s): the built
 * services standing in for the chart's images, {@code helm install} with the common values, and
 * waiting for the chart's Deployments and pods.
 */
final class ChartE2e {

  /** The release namespace. */
  static final String NS = "sandbox-system";

  private ChartE2e() {}

  /**
   * A private local cluster (simulated node) whose node runs the chart's two service images as the
   * built apps, each with its chart ServiceAccount's token.
   */
  static LocalCluster clusterRunningTheBuiltServices(Path root) {
    LocalCluster cluster =
        LocalCluster.startReal(
            LocalCluster.Options.defaults()
                .withImageProcesses(
                    Map.of(
                        "openkruise/kruise-agents-sandbox-manager",
                        quarkusApp(root, "sandbox-manager"),
                        "openkruise/kruise-agents-controller-manager",
                        quarkusApp(root, "controller-manager"))));
    System.out.println("Tests run against: " + cluster.description());
    return cluster;
  }

  /** The built app standing in for an image: its fast-jar on the pod's address. */
  static ImageProcess quarkusApp(Path root, String module) {
    Path jar = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build the reactor first");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ImageProcess(
        List.of(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-jar",
            jar.toString()),
        // Every pod's process shares this host: both listeners bind to the pod's own address.
        Map.of(
            "QUARKUS_HTTP_HOST",
            ImageProcess.POD_IP,
            "QUARKUS_MANAGEMENT_HOST",
            ImageProcess.POD_IP));
  }

  /**
   * {@code helm install kruise-agents helm/kruise-agents -n sandbox-system} with the admin key and
   * one replica per service; the caller adds its own values and calls it.
   */
  static InstallCommand install(Path root, Path kubeconfig, String adminKey) {
    return Helm.install(root.resolve("helm/kruise-agents").toString())
        .withName("kruise-agents")
        .withNamespace(NS)
        .withKubeConfig(kubeconfig)
        .set("e2b.adminKey.value", adminKey)
        .set("sandboxManager.replicas", 1)
        .set("controllerManager.replicas", 1);
  }

  /**
   * {@link #install} onto {@code cluster} with the release namespace created and {@code values},
   * then until both services are available (two minutes at most).
   *
   * @param diagnostics what to add to a failure, or null
   */
  static void installAndAwait(
      Path root,
      LocalCluster cluster,
      String adminKey,
      Map<String, String> values,
      Supplier<String> diagnostics) {
    InstallCommand install = install(root, cluster.kubeconfig(), adminKey).createNamespace();
    values.forEach(install::set);
    install.call();
    awaitServices(cluster.client(), Duration.ofSeconds(120), Duration.ofMillis(250), diagnostics);
  }

  /**
   * {@code deploy/examples/sandboxset-code-interpreter.yaml} with {@code replicas}, not created.
   */
  static SandboxSet seedPool(KubernetesClient kube, Path root, int replicas) {
    try {
      SandboxSet pool =
          kube.getKubernetesSerialization()
              .unmarshal(
                  Files.readString(
                      root.resolve("deploy/examples/sandboxset-code-interpreter.yaml")),
                  SandboxSet.class);
      pool.getSpec().setReplicas(replicas);
      return pool;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Until both services' Deployments have an available replica, the controller-manager's first.
   *
   * @param diagnostics what to add to the failure, or null
   */
  static void awaitServices(
      KubernetesClient kube, Duration atMost, Duration poll, Supplier<String> diagnostics) {
    for (String deployment : List.of("sandbox-controller-manager", "sandbox-manager")) {
      awaitAvailable(kube, deployment, atMost, poll, diagnostics);
    }
  }

  /**
   * Until the release's Deployment has an available replica.
   *
   * @param diagnostics what to add to the failure, or null
   */
  static void awaitAvailable(
      KubernetesClient kube,
      String deployment,
      Duration atMost,
      Duration poll,
      Supplier<String> diagnostics) {
    try {
      await()
          .atMost(atMost)
          .pollInterval(poll)
          .until(
              () -> {
                Deployment d = kube.apps().deployments().inNamespace(NS).withName(deployment).get();
                return d != null
                    && d.getStatus() != null
                    && d.getStatus().getAvailableReplicas() != null
                    && d.getStatus().getAvailableReplicas() >= 1;
              });
    } catch (RuntimeException e) {
      if (diagnostics == null) {
        throw e;
      }
      throw new AssertionError(deployment + " not Available:\n" + diagnostics.get(), e);
    }
  }

  /** The release's (first, not terminating) pod of app {@code app.kubernetes.io/name=app}. */
  static Pod podOf(KubernetesClient kube, String app) {
    return kube
        .pods()
        .inNamespace(NS)
        .withLabel("app.kubernetes.io/name", app)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .findFirst()
        .orElseThrow();
  }

  /** The output of a release pod's first container, as the simulated node wrote it. */
  static String containerLog(LocalCluster cluster, Pod pod) {
    String container = pod.getSpec().getContainers().get(0).getName();
    Path log =
        cluster
            .kubernetes()
            .orElseThrow()
            .workDir()
            .resolve("node/logs")
            .resolve(NS + "_" + pod.getMetadata().getName() + "_" + container + ".log");
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
