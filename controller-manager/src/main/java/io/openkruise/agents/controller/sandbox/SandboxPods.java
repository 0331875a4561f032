package io.openkruise.agents.controller.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.OwnerReferences;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.RuntimeEnv;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pure construction of the Pod and volume claims a Sandbox owns. */
final class SandboxPods {

  private SandboxPods() {}

  /** Name of the PVC made from volume claim template {@code vctName} for a sandbox. */
  static String claimName(String vctName, Sandbox sandbox) {
    return vctName + "-" + sandbox.getMetadata().getName();
  }

  static Pod pod(Sandbox sandbox, String revision) {
    PodTemplateSpec template = sandbox.getSpec().getTemplate();
    Map<String, String> labels = new HashMap<>();
    Map<String, String> annotations = new HashMap<>();
    if (template.getMetadata() != null) {
      if (template.getMetadata().getLabels() != null) {
        labels.putAll(template.getMetadata().getLabels());
      }
      if (template.getMetadata().getAnnotations() != null) {
        annotations.putAll(template.getMetadata().getAnnotations());
      }
    }
    labels.put(MetadataKeys.LABEL_POD_TEMPLATE_HASH, revision);
    // A label as well as the annotation: the controller's pod informer selects on it.
    labels.put(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX);
    annotations.put(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX);
    // A sandbox with E2B egress rules has its own NetworkPolicy (written by the sandbox-manager),
    // which selects its pod by this label from birth: after a resume too.
    Map<String, String> sandboxAnnotations = sandbox.getMetadata().getAnnotations();
    Map<String, String> sandboxLabels = sandbox.getMetadata().getLabels();
    String sandboxId =
        sandboxLabels == null ? null : sandboxLabels.get(MetadataKeys.LABEL_SANDBOX_ID);
    if (sandboxAnnotations != null
        && sandboxAnnotations.containsKey(MetadataKeys.ANNOTATION_NETWORK)
        && sandboxId != null) {
      labels.put(MetadataKeys.LABEL_EGRESS_POLICY, sandboxId);
    }

    PodSpec spec =
        template.getSpec() == null ? new PodSpec() : new PodSpecBuilder(template.getSpec()).build();
    List<io.fabric8.kubernetes.api.model.Volume> volumes =
        new ArrayList<>(spec.getVolumes() == null ? List.of() : spec.getVolumes());
    for (PersistentVolumeClaim vct : volumeClaimTemplates(sandbox)) {
      String vctName = vct.getMetadata().getName();
      volumes.removeIf(v -> vctName.equals(v.getName()));
      volumes.add(
          new VolumeBuilder()
              .withName(vctName)
              .withNewPersistentVolumeClaim()
              .withClaimName(claimName(vctName, sandbox))
              .endPersistentVolumeClaim()
              .build());
    }
    spec.setVolumes(volumes);
    // The runtime may run in any container (postStart in the main one, or a sidecar): each gets
    // the bootstrap token from the Sandbox's own Secret, never a value from the template.
    EnvVar bootstrap = bootstrapEnv(sandbox);
    withBootstrap(spec.getContainers(), bootstrap);
    withBootstrap(spec.getInitContainers(), bootstrap);
    // Sandboxes run untrusted code: no API credentials unless the template asks for them.
    if (spec.getAutomountServiceAccountToken() == null) {
      spec.setAutomountServiceAccountToken(false);
    }

    return new PodBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(sandbox.getMetadata().getName())
                .withNamespace(sandbox.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(OwnerReferences.controller(sandbox))
                .build())
        .withSpec(spec)
        .build();
  }

  /** The Secret, owned by the Sandbox, that delivers its bootstrap token to the pod. */
  static Secret runtimeSecret(Sandbox sandbox, String bootstrapToken) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(SandboxSecrets.runtimeSecretName(sandbox.getMetadata().getName()))
        .withNamespace(sandbox.getMetadata().getNamespace())
        .withLabels(Map.of(MetadataKeys.ANNOTATION_CREATED_BY, MetadataKeys.CREATED_BY_SANDBOX))
        .withOwnerReferences(OwnerReferences.controller(sandbox))
        .endMetadata()
        .withType("Opaque")
        .withImmutable(true)
        .withStringData(Map.of(SandboxSecrets.SECRET_DATA_BOOTSTRAP, bootstrapToken))
        .build();
  }

  private static EnvVar bootstrapEnv(Sandbox sandbox) {
    return new EnvVarBuilder()
        .withName(RuntimeEnv.BOOTSTRAP_TOKEN)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(SandboxSecrets.runtimeSecretName(sandbox.getMetadata().getName()))
        .withKey(SandboxSecrets.SECRET_DATA_BOOTSTRAP)
        .withOptional(false)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static void withBootstrap(List<Container> containers, EnvVar bootstrap) {
    if (containers == null) {
      return;
    }
    for (Container c : containers) {
      List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
      env.removeIf(e -> RuntimeEnv.BOOTSTRAP_TOKEN.equals(e.getName()));
      env.add(bootstrap);
      c.setEnv(env);
    }
  }

  static List<PersistentVolumeClaim> volumeClaims(Sandbox sandbox) {
    return volumeClaimTemplates(sandbox).stream()
        .map(
            vct ->
                new PersistentVolumeClaimBuilder()
                    .withNewMetadata()
                    .withName(claimName(vct.getMetadata().getName(), sandbox))
                    .withNamespace(sandbox.getMetadata().getNamespace())
                    .withLabels(vct.getMetadata().getLabels())
                    .withAnnotations(vct.getMetadata().getAnnotations())
                    .withOwnerReferences(OwnerReferences.controller(sandbox))
                    .endMetadata()
                    .withSpec(vct.getSpec())
                    .build())
        .toList();
  }

  private static List<PersistentVolumeClaim> volumeClaimTemplates(Sandbox sandbox) {
    List<PersistentVolumeClaim> vcts = sandbox.getSpec().getVolumeClaimTemplates();
    return vcts == null ? List.of() : vcts;
  }
}
