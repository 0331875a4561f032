package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxSpec extends EmbeddedTemplateSpec {

  @JsonPropertyDescription("Desired paused state; on plain Kubernetes pausing deletes the Pod.")
  private Boolean paused;

  @JsonPropertyDescription(
      "What a runtime should keep across pause (ip, memory, filesystem); informational on plain"
          + " Kubernetes.")
  private List<String> persistentContents;

  @JsonPropertyDescription("Absolute deletion time (RFC 3339).")
  @Pattern(ApiGroup.DATE_TIME_PATTERN)
  private String shutdownTime;

  @JsonPropertyDescription("Absolute auto-pause time (RFC 3339).")
  @Pattern(ApiGroup.DATE_TIME_PATTERN)
  private String pauseTime;

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  /** Null-safe read of {@link #getPaused()}. */
  public boolean isPaused() {
    return Boolean.TRUE.equals(paused);
  }

  public List<String> getPersistentContents() {
    return persistentContents;
  }

  public void setPersistentContents(List<String> persistentContents) {
    this.persistentContents = persistentContents;
  }

  public String getShutdownTime() {
    return shutdownTime;
  }

  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  public String getPauseTime() {
    return pauseTime;
  }

  public void setPauseTime(String pauseTime) {
    this.pauseTime = pauseTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxSpec s
        && Objects.equals(paused, s.paused)
        && Objects.equals(persistentContents, s.persistentContents)
        && Objects.equals(shutdownTime, s.shutdownTime)
        && Objects.equals(pauseTime, s.pauseTime)
        && Objects.equals(getTemplate(), s.getTemplate())
        && Objects.equals(getTemplateRef(), s.getTemplateRef())
        && Objects.equals(getVolumeClaimTemplates(), s.getVolumeClaimTemplates());
  }

  @Override
  public int hashCode() {
    return Objects.hash(paused, shutdownTime, pauseTime, getTemplate());
  }
}
