package io.openkruise.agents.manager.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.testing.Pools;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Objects in the shapes the controllers produce. The mock server runs no controller, so pool
 * members are created already Ready and owned by their SandboxSet.
 */
public final class Fixtures {

  private Fixtures() {}

  public static SandboxSet set(String namespace, String name, boolean shouldInit) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setNamespace(namespace);
    set.getMetadata().setName(name);
    set.getMetadata().setUid("uid-" + namespace + "-" + name);
    if (shouldInit) {
      set.getMetadata()
          .setAnnotations(new HashMap<>(Map.of(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true")));
    }
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setReplicas(0);
    spec.setTemplate(template());
    set.setSpec(spec);
    return set;
  }

  private static io.fabric8.kubernetes.api.model.PodTemplateSpec template() {
    return new PodTemplateSpecBuilder()
        .withNewSpec()
        .withContainers(
            new ContainerBuilder()
                .withName("sandbox")
                .withImage("img:v1")
                .withNewResources()
                .withRequests(Map.of("cpu", new Quantity("2"), "memory", new Quantity("1Gi")))
                .endResources()
                .build())
        .endSpec()
        .build();
  }

  /**
   * A Ready, unlocked pool member whose runtime answers at {@code runtimeUrl} ({@code
   * http://<ip>:49983}: the manager dials only {@code status.sandboxIp}), built by {@link
   * Pools#available} from {@link #set}.
   */
  public static Sandbox available(
      String namespace, String name, String template, String runtimeUrl, boolean shouldInit) {
    return Pools.available(
        set(namespace, template, shouldInit),
        name,
        runtimeUrl == null ? "127.0.0.1" : java.net.URI.create(runtimeUrl).getHost());
  }

  /**
   * A sandbox claimed by {@code owner}, Ready at {@code ip}: no longer a pool member (claimed
   * label, no SandboxSet owner reference), which is what the proxy routes to.
   */
  public static Sandbox claimed(
      String namespace, String name, String template, String owner, String ip) {
    Sandbox s = Pools.claimed(available(namespace, name, template, null, false), owner);
    s.getMetadata().setUid("uid-" + namespace + "-" + name);
    s.getStatus().setSandboxIp(ip);
    return s;
  }

  /** The E2B ID of a claimed sandbox. */
  public static String id(Sandbox s) {
    return s.getMetadata().getLabels().get(MetadataKeys.LABEL_SANDBOX_ID);
  }

  /** Marks a sandbox as created with {@code secure=true}. */
  public static void secure(Sandbox s) {
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_SECURE, "true");
  }

  public static Condition ready(boolean ready) {
    return new ConditionBuilder()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .withReason("PodReady")
        .build();
  }

  public static Condition paused() {
    return new ConditionBuilder()
        .withType("SandboxPaused")
        .withStatus("True")
        .withReason("DeletePod")
        .build();
  }

  /** A SandboxSet and {@code size} available members named {@code <set>-<i>}. */
  public static void pool(
      KubernetesClient client,
      String namespace,
      String template,
      int size,
      String runtimeUrl,
      boolean shouldInit) {
    client.resource(set(namespace, template, shouldInit)).create();
    for (int i = 0; i < size; i++) {
      client
          .resource(available(namespace, template + "-" + i, template, runtimeUrl, shouldInit))
          .create();
    }
  }

  /** Waits until the manager's cache shows {@code template}'s set and {@code size} members. */
  public static void awaitCached(SandboxCache cache, String template, int size) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !cache.setsNamed(template).isEmpty() && cache.pool(template).size() >= size);
  }

  /** {@link #pool} with envd init, once the manager's cache shows it. */
  public static void cachedPool(
      KubernetesClient client,
      SandboxCache cache,
      String namespace,
      String template,
      int size,
      String runtimeUrl) {
    pool(client, namespace, template, size, runtimeUrl, true);
    awaitCached(cache, template, size);
  }
}
