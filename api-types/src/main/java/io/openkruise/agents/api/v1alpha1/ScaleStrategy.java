package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleStrategy {

  @JsonPropertyDescription(
      "Caps unready members while scaling up: a number, or a percent of spec.replicas rounded up."
          + " Unset means unlimited; 0 blocks scale-up.")
  private IntOrString maxUnavailable;

  public IntOrString getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(IntOrString maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScaleStrategy s && Objects.equals(maxUnavailable, s.maxUnavailable);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(maxUnavailable);
  }
}
