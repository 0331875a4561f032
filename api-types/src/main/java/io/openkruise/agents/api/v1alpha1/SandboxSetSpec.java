package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxSetSpec extends EmbeddedTemplateSpec {

  @JsonPropertyDescription("Number of unclaimed sandboxes to keep (creating + available).")
  @Required
  @Min(0)
  @SpecReplicas
  private Integer replicas;

  private List<String> persistentContents;

  private ScaleStrategy scaleStrategy;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public List<String> getPersistentContents() {
    return persistentContents;
  }

  public void setPersistentContents(List<String> persistentContents) {
    this.persistentContents = persistentContents;
  }

  public ScaleStrategy getScaleStrategy() {
    return scaleStrategy;
  }

  public void setScaleStrategy(ScaleStrategy scaleStrategy) {
    this.scaleStrategy = scaleStrategy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxSetSpec s
        && Objects.equals(replicas, s.replicas)
        && Objects.equals(persistentContents, s.persistentContents)
        && Objects.equals(scaleStrategy, s.scaleStrategy)
        && Objects.equals(getTemplate(), s.getTemplate())
        && Objects.equals(getTemplateRef(), s.getTemplateRef())
        && Objects.equals(getVolumeClaimTemplates(), s.getVolumeClaimTemplates());
  }

  @Override
  public int hashCode() {
    return Objects.hash(replicas, getTemplate());
  }
}
