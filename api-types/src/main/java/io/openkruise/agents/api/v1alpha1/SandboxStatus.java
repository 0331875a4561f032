package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxStatus {
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Pending, Running, Paused, Resuming, Succeeded, Failed or Terminating; always persisted.")
  private String phase;

  private String message;
  private List<Condition> conditions = new ArrayList<>();
  private PodInfo podInfo;
  private String nodeName;
  private String sandboxIp;

  @JsonPropertyDescription("Hash of spec.template.")
  private String updateRevision;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  /** The condition of the given type, if present. */
  public Optional<Condition> condition(String type) {
    return Conditions.find(conditions, type);
  }

  public PodInfo getPodInfo() {
    return podInfo;
  }

  public void setPodInfo(PodInfo podInfo) {
    this.podInfo = podInfo;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getSandboxIp() {
    return sandboxIp;
  }

  public void setSandboxIp(String sandboxIp) {
    this.sandboxIp = sandboxIp;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(phase, s.phase)
        && Objects.equals(message, s.message)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(podInfo, s.podInfo)
        && Objects.equals(nodeName, s.nodeName)
        && Objects.equals(sandboxIp, s.sandboxIp)
        && Objects.equals(updateRevision, s.updateRevision);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, message, sandboxIp, updateRevision);
  }
}
