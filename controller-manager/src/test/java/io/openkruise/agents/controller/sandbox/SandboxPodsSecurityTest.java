package io.openkruise.agents.controller.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.envd.RuntimeEnv;
import org.junit.jupiter.api.Test;

/** Every container of a sandbox pod gets the bootstrap token from the Sandbox's Secret. */
@io.openkruise.agents.testing.tier.UnitTier
class SandboxPodsSecurityTest {

  static Sandbox sandbox(Boolean automount) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName("sbx");
    s.getMetadata().setNamespace("ns");
    s.getMetadata().setUid("uid-1");
    SandboxSpec spec = new SandboxSpec();
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewSpec()
            .withAutomountServiceAccountToken(automount)
            .withContainers(
                new ContainerBuilder()
                    .withName("main")
                    .withImage("img")
                    // A template cannot choose the token.
                    .addNewEnv()
                    .withName(RuntimeEnv.BOOTSTRAP_TOKEN)
                    .withValue("chosen-by-template")
                    .endEnv()
                    .build(),
                new ContainerBuilder().withName("sidecar").withImage("img").build())
            .withInitContainers(new ContainerBuilder().withName("init").withImage("img").build())
            .endSpec()
            .build());
    s.setSpec(spec);
    return s;
  }

  @Test
  void everyContainerGetsTheTokenByReferenceAndNoApiToken() {
    Sandbox s = sandbox(null);
    Pod pod = SandboxPods.pod(s, "rev");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    var all = new java.util.ArrayList<>(pod.getSpec().getContainers());
    all.addAll(pod.getSpec().getInitContainers());
    assertThat(all)
        .hasSize(3)
        .allSatisfy(
            c -> {
              var env =
                  c.getEnv().stream()
                      .filter(e -> RuntimeEnv.BOOTSTRAP_TOKEN.equals(e.getName()))
                      .toList();
              assertThat(env).hasSize(1);
              EnvVar e = env.get(0);
              assertThat(e.getValue()).isNull();
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("sbx-runtime");
              assertThat(e.getValueFrom().getSecretKeyRef().getKey())
                  .isEqualTo(SandboxSecrets.SECRET_DATA_BOOTSTRAP);
            });
    // The Sandbox's own template is not modified.
    assertThat(s.getSpec().getTemplate().getSpec().getContainers().get(1).getEnv()).isNullOrEmpty();
  }

  /**
   * A sandbox with E2B egress rules: its pods (also after a resume) carry the label its own
   * NetworkPolicy selects, so the chart's open-internet policy skips them from birth.
   */
  @Test
  void podOfASandboxWithNetworkRulesCarriesTheEgressLabel() {
    Sandbox plain = sandbox(null);
    plain
        .getMetadata()
        .setLabels(new java.util.HashMap<>(java.util.Map.of(MetadataKeys.LABEL_SANDBOX_ID, "abc")));
    assertThat(SandboxPods.pod(plain, "rev").getMetadata().getLabels())
        .doesNotContainKey(MetadataKeys.LABEL_EGRESS_POLICY);
    Sandbox ruled = sandbox(null);
    ruled
        .getMetadata()
        .setLabels(new java.util.HashMap<>(java.util.Map.of(MetadataKeys.LABEL_SANDBOX_ID, "abc")));
    ruled
        .getMetadata()
        .setAnnotations(
            new java.util.HashMap<>(
                java.util.Map.of(
                    MetadataKeys.ANNOTATION_NETWORK,
                    "{\"allowOut\":[],\"denyOut\":[\"0.0.0.0/0\"]}")));
    assertThat(SandboxPods.pod(ruled, "rev").getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_EGRESS_POLICY, "abc")
        .containsEntry(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX);
  }

  @Test
  void aTemplateMayStillAskForTheServiceAccountToken() {
    assertThat(SandboxPods.pod(sandbox(true), "rev").getSpec().getAutomountServiceAccountToken())
        .isTrue();
  }

  @Test
  void theSecretIsOwnedByTheSandbox() {
    Secret secret = SandboxPods.runtimeSecret(sandbox(null), "token");
    assertThat(secret.getMetadata().getName()).isEqualTo("sbx-runtime");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo("uid-1");
              assertThat(o.getController()).isTrue();
            });
    assertThat(secret.getStringData()).containsEntry(SandboxSecrets.SECRET_DATA_BOOTSTRAP, "token");
  }
}
