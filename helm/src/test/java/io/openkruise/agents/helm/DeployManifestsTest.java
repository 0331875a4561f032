package io.openkruise.agents.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/ must stay the chart's twin. {@code -Ddeploy.regenerate=true} rewrites
 * deploy/base/kruise-agents.yaml from the chart instead of comparing.
 */
class DeployManifestsTest {

  private static final Path BASE = Rendered.DEPLOY.resolve("base");
  private static final Path OVERLAY = Rendered.DEPLOY.resolve("overlays/example");
  private static final String HEADER =
      "# Generated from helm/kruise-agents with deploy/base/values.yaml (release kruise-agents,\n"
          + "# namespace sandbox-system) by DeployManifestsTest; do not edit. Regenerate:\n"
          + "#   ./mvnw -B -pl helm verify -Ddeploy.regenerate=true\n";

  private static List<HasMetadata> read(Path file) throws IOException {
    return Rendered.parse(Files.readString(file));
  }

  @Test
  void baseIsTheChartRenderedWithTheBaseValues() throws IOException {
    Rendered chart = Rendered.render("kruise-agents", BASE.resolve("values.yaml"));
    String expected = HEADER + chart.yaml;
    Path file = BASE.resolve("kruise-agents.yaml");
    if (Boolean.getBoolean("deploy.regenerate")) {
      Files.writeString(file, expected);
    }
    assertThat(Files.readString(file))
        .as("deploy/base/kruise-agents.yaml differs from the chart; regenerate it")
        .isEqualTo(expected);
    // No generated key in plain manifests: the overlay's secretGenerator provides it.
    assertThat(chart.kind("Secret")).isEmpty();
    assertThat(chart.objects.stream().filter(o -> o.getKind().equals("Secret"))).isEmpty();
  }

  @Test
  void kustomizationListsEveryBaseFile() throws IOException {
    String kustomization = Files.readString(BASE.resolve("kustomization.yaml"));
    assertThat(kustomization).contains("- namespace.yaml", "- kruise-agents.yaml");
    for (String crd : CrdDriftTest.CRDS) {
      assertThat(kustomization).contains("- crds/" + crd);
    }
    assertThat(read(BASE.resolve("namespace.yaml")))
        .singleElement()
        .satisfies(ns -> assertThat(ns.getMetadata().getName()).isEqualTo(Rendered.NS));
  }

  @Test
  void overlaySetsTheDomainInOnePlaceAndMirrorsTheChartIngress() throws IOException {
    List<HasMetadata> settings = read(OVERLAY.resolve("settings.yaml"));
    assertThat(settings)
        .singleElement()
        .satisfies(
            cm -> {
              assertThat(cm.getMetadata().getName()).isEqualTo("e2b-settings");
              assertThat(cm.getMetadata().getAnnotations())
                  .containsEntry("config.kubernetes.io/local-config", "true");
            });
    String kustomization = Files.readString(OVERLAY.resolve("kustomization.yaml"));
    assertThat(kustomization)
        .contains(
            "- ../../base",
            "- settings.yaml",
            "- ingress.yaml",
            "name: sandbox-manager-admin-key",
            "env.[name=E2B_DOMAIN].value",
            "delimiter: \"*.\"");

    // The overlay's Ingress is the chart's (native + private, default TLS secret).
    Ingress overlay = (Ingress) read(OVERLAY.resolve("ingress.yaml")).get(0);
    Ingress chart =
        Rendered.render("kruise-agents", Map.of("ingress.enabled", "true"))
            .one(Ingress.class, "sandbox-manager");
    assertThat(overlay.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
    assertThat(overlay.getSpec()).isEqualTo(chart.getSpec());
  }

  @Test
  void exampleSandboxSetWiresTheRuntimeSidecar() throws IOException {
    HasMetadata set =
        read(Rendered.DEPLOY.resolve("examples/sandboxset-code-interpreter.yaml")).get(0);
    assertThat(set).isInstanceOf(GenericKubernetesResource.class);
    assertThat(set.getKind()).isEqualTo("SandboxSet");
    assertThat(set.getMetadata().getName()).isEqualTo("code-interpreter");
    assertThat(set.getMetadata().getAnnotations())
        .containsEntry("e2b.agents.kruise.io/should-init-envd", "true");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec =
        (Map<String, Object>)
            ((GenericKubernetesResource) set).getAdditionalProperties().get("spec");
    String pod = spec.get("template").toString();
    assertThat(pod)
        .contains(
            "restartPolicy=Always",
            "AGENT_RUNTIME_WORKSPACE",
            "/mnt/agent-runtime/bin/agent-runtime-start.sh",
            "e2bdev/code-interpreter:latest",
            "port=49999");
  }

  @Test
  void baseRbacMatchesTheChartDefaults() throws IOException {
    List<HasMetadata> base = read(BASE.resolve("kruise-agents.yaml"));
    assertThat(base.stream().filter(ClusterRole.class::isInstance).count()).isEqualTo(2);
    assertThat(base.stream().filter(Role.class::isInstance).count()).isEqualTo(2);
    assertThat(base.stream().filter(Deployment.class::isInstance))
        .extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("sandbox-manager", "sandbox-controller-manager");
  }
}
