package io.openkruise.agents.api.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** Asserts the CRD YAML the build generated: what kubectl and the API server will see. */
@io.openkruise.agents.testing.tier.UnitTier
class GeneratedCrdTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static CustomResourceDefinition load(String plural) throws IOException {
    String resource = "crds/" + plural + ".agents.kruise.io-v1.yml";
    try (InputStream in = GeneratedCrdTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("generated %s on the classpath", resource).isNotNull();
      return SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
    }
  }

  private static CustomResourceDefinitionVersion v1alpha1(CustomResourceDefinition crd) {
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    return version;
  }

  /** The CRD's only version, v1alpha1, once its short names are exactly {@code shortName}. */
  private static CustomResourceDefinitionVersion v1alpha1(
      CustomResourceDefinition crd, String shortName) {
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly(shortName);
    return v1alpha1(crd);
  }

  /** The printer columns (what kubectl get shows) as (name, JSONPath), in order. */
  private static List<Tuple> columns(CustomResourceDefinitionVersion v) {
    return v.getAdditionalPrinterColumns().stream()
        .map(c -> tuple(c.getName(), c.getJsonPath()))
        .toList();
  }

  private static JSONSchemaProps specProperty(CustomResourceDefinitionVersion v, String name) {
    return v.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties().get(name);
  }

  @Test
  void sandboxPrintsStatusAgeShutdownPauseMessage() throws IOException {
    CustomResourceDefinition crd = load("sandboxes");
    assertThat(crd.getSpec().getGroup()).isEqualTo("agents.kruise.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo("sandbox");
    CustomResourceDefinitionVersion v = v1alpha1(crd, "sbx");
    // kubectl prints NAME, then these in order, upper-cased: STATUS AGE SHUTDOWN_TIME PAUSE_TIME
    // MESSAGE
    assertThat(columns(v))
        .containsExactly(
            tuple("Status", ".status.phase"),
            tuple("Age", ".metadata.creationTimestamp"),
            tuple("shutdown_time", ".spec.shutdownTime"),
            tuple("pause_time", ".spec.pauseTime"),
            tuple("Message", ".status.message"),
            tuple("Sandbox_ID", ".metadata.labels.agents\\.kruise\\.io/sandbox-id"));
    // Only the E2B ID is wide-only (kubectl get sbx -o wide): the default columns stay the seeds'.
    assertThat(v.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getPriority)
        .containsExactly(0, 0, 0, 0, 0, 1);
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getSubresources().getScale()).isNull();
    JSONSchemaProps template = specProperty(v, "template");
    assertThat(template.getXKubernetesPreserveUnknownFields()).isTrue();
    assertThat(template.getProperties()).isNullOrEmpty();
    assertThat(specProperty(v, "shutdownTime").getPattern()).isNotBlank();
  }

  @Test
  void sandboxSetHasScaleSubresourceOnSelector() throws IOException {
    CustomResourceDefinitionVersion v = v1alpha1(load("sandboxsets"), "sbs");
    assertThat(columns(v))
        .containsExactly(
            tuple("Replicas", ".status.replicas"),
            tuple("Available", ".status.availableReplicas"),
            tuple("UpdateRevision", ".status.updateRevision"),
            tuple("Age", ".metadata.creationTimestamp"));
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getSubresources().getScale().getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(v.getSubresources().getScale().getStatusReplicasPath())
        .isEqualTo(".status.replicas");
    assertThat(v.getSubresources().getScale().getLabelSelectorPath()).isEqualTo(".status.selector");
    JSONSchemaProps spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).contains("replicas");
    assertThat(specProperty(v, "replicas").getMinimum()).isEqualTo(0.0);
  }

  @Test
  void sandboxClaimPrintsPhaseTemplateDesiredClaimedAge() throws IOException {
    CustomResourceDefinitionVersion v = v1alpha1(load("sandboxclaims"), "sbc");
    // kubectl: NAME PHASE TEMPLATE DESIRED CLAIMED AGE
    assertThat(columns(v))
        .containsExactly(
            tuple("Phase", ".status.phase"),
            tuple("Template", ".spec.templateName"),
            tuple("Desired", ".spec.replicas"),
            tuple("Claimed", ".status.claimedReplicas"),
            tuple("Age", ".metadata.creationTimestamp"));
    assertThat(v.getSubresources().getStatus()).isNotNull();
    JSONSchemaProps spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactly("templateName");
    JSONSchemaProps replicas = specProperty(v, "replicas");
    assertThat(replicas.getMinimum()).isEqualTo(1.0);
    assertThat(replicas.getDefault().asInt()).isEqualTo(1);
    assertThat(replicas.getXKubernetesValidations())
        .singleElement()
        .satisfies(rule -> assertThat(rule.getRule()).isEqualTo("self == oldSelf"));
    assertThat(specProperty(v, "claimTimeout").getDefault().asText()).isEqualTo("1m");
    assertThat(specProperty(v, "ttlAfterCompleted").getDefault().asText()).isEqualTo("5m");
    assertThat(specProperty(v, "waitReadyTimeout").getDefault().asText()).isEqualTo("30s");
  }

  @Test
  void durationPatternAcceptsGoDurationsOnly() throws IOException {
    String pattern = specProperty(v1alpha1(load("sandboxclaims")), "claimTimeout").getPattern();
    assertThat("1m").matches(pattern);
    assertThat("1h30m").matches(pattern);
    assertThat("1.5s").matches(pattern);
    assertThat("250ms").matches(pattern);
    assertThat("60").doesNotMatch(pattern);
    assertThat("1 minute").doesNotMatch(pattern);
    assertThat("").doesNotMatch(pattern);
  }
}
