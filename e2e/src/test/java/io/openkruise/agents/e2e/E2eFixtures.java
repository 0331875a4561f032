package io.openkruise.agents.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.testing.Namespaces;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What the e2e tests on the local cluster start from. */
final class E2eFixtures {

  private E2eFixtures() {}

  /** The system namespace the services keep their key store and leases in. */
  static void ensureSystemNamespace(KubernetesClient client) {
    Namespaces.ensure(client, "sandbox-system");
  }

  static void awaitAvailable(KubernetesClient kube, String namespace, String set, int available) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Pools.reportsAvailable(kube, namespace, set, available));
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
