package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/** Test fixtures: sandboxes in the shapes the controllers produce. */
final class Sandboxes {
  private Sandboxes() {}

  /** A Ready, unlocked member of pool {@code set}: a claim candidate. */
  static Sandbox available(String namespace, String name, String set) {
    Sandbox s = new Sandbox();
    s.getMetadata().setNamespace(namespace);
    s.getMetadata().setName(name);
    s.getMetadata().setResourceVersion("1");
    s.getMetadata().setLabels(new HashMap<>());
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_POOL, set);
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_TEMPLATE, set);
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "false");
    s.getMetadata().setAnnotations(new HashMap<>());
    s.getMetadata()
        .setOwnerReferences(
            new ArrayList<>(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("agents.kruise.io/v1alpha1")
                        .withKind("SandboxSet")
                        .withName(set)
                        .withUid("uid-" + set)
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())));
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewSpec()
            .withContainers(
                new ContainerBuilder().withName("sandbox").withImage("img:v1").build(),
                new ContainerBuilder().withName("sidecar").withImage("side:v1").build())
            .endSpec()
            .build());
    s.setSpec(spec);
    SandboxStatus status = new SandboxStatus();
    status.setPhase(SandboxPhase.RUNNING);
    status.setSandboxIp("127.1.0.9");
    status.setConditions(new ArrayList<>(List.of(ready(true))));
    s.setStatus(status);
    return s;
  }

  static Condition ready(boolean ready) {
    return new ConditionBuilder()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .withReason("PodReady")
        .build();
  }

  /** The same sandbox after a claim: no pool owner, claimed label. */
  static Sandbox claimed(Sandbox s) {
    s.getMetadata().setOwnerReferences(new ArrayList<>());
    s.getMetadata().getLabels().put(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    return s;
  }
}
