package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.List;

/** The template block shared inline by Sandbox and SandboxSet specs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class EmbeddedTemplateSpec {

  @JsonPropertyDescription("The pod to run. Mutually exclusive with templateRef.")
  @PreserveUnknownFields
  @SchemaFrom(type = Schemaless.class)
  private PodTemplateSpec template;

  @JsonPropertyDescription("A SandboxTemplate in the same namespace to take the pod from.")
  private TemplateRef templateRef;

  @JsonPropertyDescription(
      "One PersistentVolumeClaim per entry per sandbox, named <vct>-<sandbox>.")
  @PreserveUnknownFields
  @SchemaFrom(type = Schemaless[].class)
  private List<PersistentVolumeClaim> volumeClaimTemplates;

  public PodTemplateSpec getTemplate() {
    return template;
  }

  public void setTemplate(PodTemplateSpec template) {
    this.template = template;
  }

  public TemplateRef getTemplateRef() {
    return templateRef;
  }

  public void setTemplateRef(TemplateRef templateRef) {
    this.templateRef = templateRef;
  }

  public List<PersistentVolumeClaim> getVolumeClaimTemplates() {
    return volumeClaimTemplates;
  }

  public void setVolumeClaimTemplates(List<PersistentVolumeClaim> volumeClaimTemplates) {
    this.volumeClaimTemplates = volumeClaimTemplates;
  }
}
