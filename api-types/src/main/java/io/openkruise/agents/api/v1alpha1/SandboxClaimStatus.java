package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxClaimStatus {
  private Long observedGeneration;

  @JsonPropertyDescription("Claiming or Completed.")
  private String phase;

  private String message;

  @JsonInclude(JsonInclude.Include.ALWAYS)
  private int claimedReplicas;

  @Pattern(ApiGroup.DATE_TIME_PATTERN)
  private String claimStartTime;

  @Pattern(ApiGroup.DATE_TIME_PATTERN)
  private String completionTime;

  private List<Condition> conditions = new ArrayList<>();

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

  public int getClaimedReplicas() {
    return claimedReplicas;
  }

  public void setClaimedReplicas(int claimedReplicas) {
    this.claimedReplicas = claimedReplicas;
  }

  public String getClaimStartTime() {
    return claimStartTime;
  }

  public void setClaimStartTime(String claimStartTime) {
    this.claimStartTime = claimStartTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxClaimStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(phase, s.phase)
        && Objects.equals(message, s.message)
        && claimedReplicas == s.claimedReplicas
        && Objects.equals(claimStartTime, s.claimStartTime)
        && Objects.equals(completionTime, s.completionTime)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, claimedReplicas, claimStartTime, completionTime);
  }
}
