package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxSetStatus {
  private Long observedGeneration;

  @JsonPropertyDescription("Unclaimed members: creating + available.")
  @Required
  @StatusReplicas
  private int replicas;

  @Required private int availableReplicas;

  private String updateRevision;

  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Label selector of the unclaimed members, for the scale subresource.")
  @LabelSelector
  private String selector;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public int getReplicas() {
    return replicas;
  }

  public void setReplicas(int replicas) {
    this.replicas = replicas;
  }

  public int getAvailableReplicas() {
    return availableReplicas;
  }

  public void setAvailableReplicas(int availableReplicas) {
    this.availableReplicas = availableReplicas;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxSetStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && replicas == s.replicas
        && availableReplicas == s.availableReplicas
        && Objects.equals(updateRevision, s.updateRevision)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(selector, s.selector);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, replicas, availableReplicas, updateRevision, selector);
  }
}
