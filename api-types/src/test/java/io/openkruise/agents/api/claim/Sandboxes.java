package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.util.ArrayList;
import java.util.List;

/** Test fixtures: sandboxes in the shapes the controllers produce. */
final class Sandboxes {
  private Sandboxes() {}

  /**
   * A Ready, unlocked member of pool {@code set}: a claim candidate, built by {@link
   * PoolMembers#newMember} as the SandboxSet controller builds it, then reported running.
   */
  static Sandbox available(String namespace, String name, String set) {
    SandboxSet pool = pool(namespace, set);
    Sandbox s = PoolMembers.newMember(pool, PoolMembers.revision(pool));
    s.getMetadata().setGenerateName(null);
    s.getMetadata().setName(name);
    s.getMetadata().setResourceVersion("1");
    SandboxStatus status = new SandboxStatus();
    status.setPhase(SandboxPhase.RUNNING);
    status.setSandboxIp("127.1.0.9");
    status.setConditions(new ArrayList<>(List.of(ready(true))));
    s.setStatus(status);
    return s;
  }

  /** A SandboxSet with a main container and a sidecar. */
  static SandboxSet pool(String namespace, String name) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setNamespace(namespace);
    set.getMetadata().setName(name);
    set.getMetadata().setUid("uid-" + name);
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewSpec()
            .withContainers(
                new ContainerBuilder().withName("sandbox").withImage("img:v1").build(),
                new ContainerBuilder().withName("sidecar").withImage("side:v1").build())
            .endSpec()
            .build());
    set.setSpec(spec);
    return set;
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
