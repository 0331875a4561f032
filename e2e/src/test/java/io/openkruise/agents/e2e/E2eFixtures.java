package io.openkruise.agents.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.localcluster.LocalCluster;
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

  /** A pool whose sandboxes get their runtime initialised at claim (one container). */
  static SandboxSet initPool(String namespace, String name, int replicas) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName(name);
    set.getMetadata().setNamespace(namespace);
    set.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true"));
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setReplicas(replicas);
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("sandbox").withImage("img:1").build())
            .endSpec()
            .build());
    set.setSpec(spec);
    return set;
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
