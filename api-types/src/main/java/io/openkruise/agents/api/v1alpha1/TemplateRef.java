package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** Reference to a SandboxTemplate in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TemplateRef {
  @Required private String name;
  private String kind;
  private String apiVersion;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getApiVersion() {
    return apiVersion;
  }

  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TemplateRef t
        && Objects.equals(name, t.name)
        && Objects.equals(kind, t.kind)
        && Objects.equals(apiVersion, t.apiVersion);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, apiVersion);
  }
}
