package io.openkruise.agents.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.Objects;

/** What the Sandbox controller last saw of its Pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodInfo {
  private Map<String, String> annotations;
  private Map<String, String> labels;
  private String nodeName;

  @com.fasterxml.jackson.annotation.JsonProperty("podIP")
  private String podIP;

  @com.fasterxml.jackson.annotation.JsonProperty("podUID")
  private String podUID;

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getPodIP() {
    return podIP;
  }

  public void setPodIP(String podIP) {
    this.podIP = podIP;
  }

  public String getPodUID() {
    return podUID;
  }

  public void setPodUID(String podUID) {
    this.podUID = podUID;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PodInfo p
        && Objects.equals(annotations, p.annotations)
        && Objects.equals(labels, p.labels)
        && Objects.equals(nodeName, p.nodeName)
        && Objects.equals(podIP, p.podIP)
        && Objects.equals(podUID, p.podUID);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeName, podIP, podUID);
  }
}
