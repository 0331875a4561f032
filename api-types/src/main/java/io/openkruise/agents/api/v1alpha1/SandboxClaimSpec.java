package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.openkruise.agents.api.MetadataKeys;
import java.util.Map;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxClaimSpec {

  /**
   * CEL rule on {@code labels} and {@code annotations}: a namespace user who may create claims must
   * not set the keys the control plane reads (for example a runtime URL or an owner).
   */
  static final String NO_RESERVED_KEYS =
      "self.all(k, !k.startsWith('"
          + MetadataKeys.PREFIX
          + "') && !k.startsWith('"
          + MetadataKeys.E2B_PREFIX
          + "'))";

  static final String RESERVED_KEYS_MESSAGE =
      "keys under "
          + MetadataKeys.PREFIX
          + " and "
          + MetadataKeys.E2B_PREFIX
          + " are reserved for the control plane";

  /** Bounds the CEL rule's cost, which the API server estimates from the map's maximum size. */
  static final int MAX_COPIED_KEYS = 64;

  @JsonPropertyDescription("Name of the SandboxSet to claim from, in the claim's namespace.")
  @Required
  private String templateName;

  @JsonPropertyDescription("How many sandboxes to claim. Immutable.")
  @Default("1")
  @Min(1)
  @ValidationRule(value = "self == oldSelf", message = "replicas is immutable")
  private Integer replicas;

  @JsonPropertyDescription("Copied to each claimed Sandbox's spec.shutdownTime (RFC 3339).")
  @Pattern(ApiGroup.DATE_TIME_PATTERN)
  private String shutdownTime;

  @JsonPropertyDescription("Give up claiming this long after claimStartTime (Go duration).")
  @Default("1m")
  @Pattern(ApiGroup.DURATION_PATTERN)
  private String claimTimeout;

  @JsonPropertyDescription(
      "Delete the claim (not its sandboxes) this long after completion (Go duration).")
  @Default("5m")
  @Pattern(ApiGroup.DURATION_PATTERN)
  private String ttlAfterCompleted;

  @JsonPropertyDescription(
      "Merged onto each claimed Sandbox's labels. Keys under agents.kruise.io/ and"
          + " e2b.agents.kruise.io/ are reserved for the control plane.")
  @Size(max = MAX_COPIED_KEYS)
  @ValidationRule(value = NO_RESERVED_KEYS, message = RESERVED_KEYS_MESSAGE)
  private Map<String, String> labels;

  @JsonPropertyDescription(
      "Merged onto each claimed Sandbox's annotations. Keys under agents.kruise.io/ and"
          + " e2b.agents.kruise.io/ are reserved for the control plane.")
  @Size(max = MAX_COPIED_KEYS)
  @ValidationRule(value = NO_RESERVED_KEYS, message = RESERVED_KEYS_MESSAGE)
  private Map<String, String> annotations;

  @JsonPropertyDescription("Environment variables passed to the runtime's init after claiming.")
  private Map<String, String> envVars;

  private InplaceUpdateSpec inplaceUpdate;

  @JsonPropertyDescription("Keep a sandbox that failed a post-claim step instead of deleting it.")
  private Boolean reserveFailedSandbox;

  @JsonPropertyDescription("Create a fresh Sandbox when the pool has none available.")
  private Boolean createOnNoStock;

  @JsonPropertyDescription("How long to wait for Ready after an in-place update or a fresh create.")
  @Default("30s")
  @Pattern(ApiGroup.DURATION_PATTERN)
  private String waitReadyTimeout;

  public String getTemplateName() {
    return templateName;
  }

  public void setTemplateName(String templateName) {
    this.templateName = templateName;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getShutdownTime() {
    return shutdownTime;
  }

  public void setShutdownTime(String shutdownTime) {
    this.shutdownTime = shutdownTime;
  }

  public String getClaimTimeout() {
    return claimTimeout;
  }

  public void setClaimTimeout(String claimTimeout) {
    this.claimTimeout = claimTimeout;
  }

  public String getTtlAfterCompleted() {
    return ttlAfterCompleted;
  }

  public void setTtlAfterCompleted(String ttlAfterCompleted) {
    this.ttlAfterCompleted = ttlAfterCompleted;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public Map<String, String> getEnvVars() {
    return envVars;
  }

  public void setEnvVars(Map<String, String> envVars) {
    this.envVars = envVars;
  }

  public InplaceUpdateSpec getInplaceUpdate() {
    return inplaceUpdate;
  }

  public void setInplaceUpdate(InplaceUpdateSpec inplaceUpdate) {
    this.inplaceUpdate = inplaceUpdate;
  }

  public Boolean getReserveFailedSandbox() {
    return reserveFailedSandbox;
  }

  public void setReserveFailedSandbox(Boolean reserveFailedSandbox) {
    this.reserveFailedSandbox = reserveFailedSandbox;
  }

  public Boolean getCreateOnNoStock() {
    return createOnNoStock;
  }

  public void setCreateOnNoStock(Boolean createOnNoStock) {
    this.createOnNoStock = createOnNoStock;
  }

  public String getWaitReadyTimeout() {
    return waitReadyTimeout;
  }

  public void setWaitReadyTimeout(String waitReadyTimeout) {
    this.waitReadyTimeout = waitReadyTimeout;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SandboxClaimSpec s
        && Objects.equals(templateName, s.templateName)
        && Objects.equals(replicas, s.replicas)
        && Objects.equals(shutdownTime, s.shutdownTime)
        && Objects.equals(claimTimeout, s.claimTimeout)
        && Objects.equals(ttlAfterCompleted, s.ttlAfterCompleted)
        && Objects.equals(labels, s.labels)
        && Objects.equals(annotations, s.annotations)
        && Objects.equals(envVars, s.envVars)
        && Objects.equals(inplaceUpdate, s.inplaceUpdate)
        && Objects.equals(reserveFailedSandbox, s.reserveFailedSandbox)
        && Objects.equals(createOnNoStock, s.createOnNoStock)
        && Objects.equals(waitReadyTimeout, s.waitReadyTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(templateName, replicas, claimTimeout);
  }
}
