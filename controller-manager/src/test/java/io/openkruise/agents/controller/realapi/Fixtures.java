package io.openkruise.agents.controller.realapi;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimSpec;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.process.ProcessOutput;
import io.openkruise.agents.testing.Pools;

/** Objects and wire helpers for the real-API-server scenarios. */
final class Fixtures {
  private Fixtures() {}

  /** A template whose pod never becomes Ready: its readiness probe targets an unserved port. */
  static PodTemplateSpec neverReadyTemplate() {
    PodTemplateSpec t = Pools.template("img:never-ready");
    t.getSpec()
        .getContainers()
        .get(0)
        .setReadinessProbe(
            new io.fabric8.kubernetes.api.model.ProbeBuilder()
                .withNewHttpGet()
                .withPath("/ready")
                .withPort(new IntOrString(8080))
                .endHttpGet()
                .withPeriodSeconds(1)
                .build());
    return t;
  }

  static Sandbox sandbox(String namespace, String name, String image) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName(name);
    s.getMetadata().setNamespace(namespace);
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(Pools.template(image));
    s.setSpec(spec);
    return s;
  }

  static SandboxClaim claim(String namespace, String name, String template, int replicas) {
    SandboxClaim claim = new SandboxClaim();
    claim.getMetadata().setName(name);
    claim.getMetadata().setNamespace(namespace);
    SandboxClaimSpec spec = new SandboxClaimSpec();
    spec.setTemplateName(template);
    spec.setReplicas(replicas);
    claim.setSpec(spec);
    return claim;
  }

  /** One Connect envelope (flags 0) around a JSON message. */
  static byte[] envelope(String json) {
    return ConnectEnvelope.encode(json);
  }

  /** Concatenated stdout of a Connect server-stream body of process events. */
  static String stdout(byte[] stream) {
    try {
      return ProcessOutput.of(stream).stdout();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
