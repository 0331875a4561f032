package io.openkruise.agents.controller.sandbox;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.ApiGroup;
import io.openkruise.agents.api.v1alpha1.Sandbox;
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

    return new PodBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(sandbox.getMetadata().getName())
                .withNamespace(sandbox.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(controllerRef(sandbox))
                .build())
        .withSpec(spec)
        .build();
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
                    .withOwnerReferences(controllerRef(sandbox))
                    .endMetadata()
                    .withSpec(vct.getSpec())
                    .build())
        .toList();
  }

  private static List<PersistentVolumeClaim> volumeClaimTemplates(Sandbox sandbox) {
    List<PersistentVolumeClaim> vcts = sandbox.getSpec().getVolumeClaimTemplates();
    return vcts == null ? List.of() : vcts;
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference controllerRef(Sandbox sandbox) {
    return new OwnerReferenceBuilder()
        .withApiVersion(ApiGroup.API_VERSION)
        .withKind("Sandbox")
        .withName(sandbox.getMetadata().getName())
        .withUid(sandbox.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
