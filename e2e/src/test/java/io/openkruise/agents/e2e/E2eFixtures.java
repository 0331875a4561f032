package io.openkruise.agents.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What every test that runs both services on the local cluster starts from. */
final class E2eFixtures {

  private E2eFixtures() {}

  /** The system namespace the services keep their key store and leases in. */
  static void ensureSystemNamespace(KubernetesClient client) {
    if (client.namespaces().withName("sandbox-system").get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName("sandbox-system")
                  .endMetadata()
                  .build())
          .create();
    }
  }

  /**
   * The start every two-service test shares: the system namespace, its pools created, and the
   * controller-manager running as a process on the cluster (logs in target/e2e-logs); the caller
   * starts the sandbox-managers it needs on the result.
   */
  static ServiceProcesses controllerWithPools(
      LocalCluster cluster, KubernetesClient client, SandboxSet... pools) throws Exception {
    ensureSystemNamespace(client);
    for (SandboxSet pool : pools) {
      client.resource(pool).create();
    }
    ServiceProcesses services = new ServiceProcesses(Path.of("target", "e2e-logs"));
    services.start("controller-manager", Map.of("KUBECONFIG", cluster.kubeconfig().toString()));
    return services;
  }

  /** Stops what {@link #controllerWithPools} and the test started, if it got that far. */
  static void stop(ServiceProcesses services) throws Exception {
    if (services != null) {
      services.close();
    }
  }

  static void awaitAvailable(KubernetesClient kube, String namespace, String set, int available) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              SandboxSet s =
                  kube.resources(SandboxSet.class).inNamespace(namespace).withName(set).get();
              return s != null
                  && s.getStatus() != null
                  && s.getStatus().getAvailableReplicas() >= available;
            });
  }

  /** A sandbox-manager's environment: the cluster, the admin key, one served namespace. */
  static Map<String, String> managerEnv(LocalCluster cluster, String adminKey, String namespace) {
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", cluster.kubeconfig().toString());
    env.put("E2B_ADMIN_API_KEY", adminKey);
    env.put("E2B_DOMAIN", "localhost");
    env.put("KRUISE_SERVED_NAMESPACES", namespace);
    return env;
  }
}
