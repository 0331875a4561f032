package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** Image change applied to the first container of each claimed sandbox. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InplaceUpdateSpec {
  @JsonPropertyDescription("New image of the first container.")
  @Required
  private String image;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InplaceUpdateSpec s && Objects.equals(image, s.image);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(image);
  }
}
