package io.openkruise.agents.manager.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
   * http://<ip>:49983}: the manager dials only {@code status.sandboxIp}).
   */
  public static Sandbox available(
      String namespace, String name, String template, String runtimeUrl, boolean shouldInit) {
    Sandbox s = new Sandbox();
    s.getMetadata().setNamespace(namespace);
    s.getMetadata().setName(name);
    s.getMetadata()
        .setLabels(
            new HashMap<>(
                Map.of(
                    MetadataKeys.LABEL_SANDBOX_POOL, template,
                    MetadataKeys.LABEL_SANDBOX_TEMPLATE, template,
                    MetadataKeys.LABEL_SANDBOX_CLAIMED, "false")));
    Map<String, String> annotations = new HashMap<>();
    if (shouldInit) {
      annotations.put(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true");
    }
    s.getMetadata().setAnnotations(annotations);
    s.getMetadata()
        .setOwnerReferences(
            new ArrayList<>(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("agents.kruise.io/v1alpha1")
                        .withKind("SandboxSet")
                        .withName(template)
                        .withUid("uid-" + namespace + "-" + template)
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())));
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(template());
    s.setSpec(spec);
    SandboxStatus status = new SandboxStatus();
    status.setPhase(SandboxPhase.RUNNING);
    status.setSandboxIp(
        runtimeUrl == null ? "127.0.0.1" : java.net.URI.create(runtimeUrl).getHost());
    status.setConditions(new ArrayList<>(List.of(ready(true))));
    s.setStatus(status);
    return s;
  }

  /**
   * A sandbox claimed by {@code owner}, Ready at {@code ip}: no longer a pool member (claimed
   * label, no SandboxSet owner reference), which is what the proxy routes to.
   */
  public static Sandbox claimed(
      String namespace, String name, String template, String owner, String ip) {
    Sandbox s = available(namespace, name, template, null, false);
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_ID, SandboxIds.next());
    s.getMetadata().setUid("uid-" + namespace + "-" + name);
    s.getMetadata().setOwnerReferences(new ArrayList<>());
    s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_OWNER, owner);
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
}
