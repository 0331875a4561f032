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
@io.openkruise.agents.testing.tier.UnitTier
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
    // No generated key in plain manifests: the overlay's secretGenerator provides both keys. The
    // one Secret is the manager's key store, created empty (RBAC grants no create).
    assertThat(chart.kind("Secret")).isEmpty();
    assertThat(chart.all(io.fabric8.kubernetes.api.model.Secret.class))
        .singleElement()
        .satisfies(
            store -> {
              assertThat(store.getMetadata().getName()).isEqualTo("e2b-key-store");
              assertThat(store.getData()).isNullOrEmpty();
            });
    assertThat(chart.all(Ingress.class)).as("the overlay adds the Ingress").isEmpty();
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
            "name: kruise-agents-sandbox-key",
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

  /**
   * The overlay as users apply it, built by the real kustomize (from its Go module, cached per
   * machine): the one domain setting reaches E2B_DOMAIN and the Ingress hosts (without port), and
   * the admin key becomes the Secret the Deployment reads.
   */
  @Test
  void overlayBuildsWithKustomizeAndSetsTheDomainEverywhere() throws Exception {
    Path work = Files.createTempDirectory("overlay");
    try {
      copyTree(BASE, work.resolve("base"));
      Path overlay = work.resolve("overlays/example");
      copyTree(OVERLAY, overlay);
      Path settings = overlay.resolve("settings.yaml");
      Files.writeString(
          settings,
          Files.readString(settings)
              .replace("domain: your.domain.com", "domain: agents.example.com:8443")
              .replace("ingressHost: your.domain.com", "ingressHost: agents.example.com"));
      String key = "e2b_" + "ab".repeat(20);
      Files.writeString(overlay.resolve("admin-key.env"), "api-key=" + key + "\n");
      String sandboxKey = "5a".repeat(32);
      Files.writeString(overlay.resolve("sandbox-key.env"), "sandbox-key=" + sandboxKey + "\n");

      List<HasMetadata> built = Rendered.parse(kustomizeBuild(overlay));

      Deployment manager =
          built.stream()
              .filter(Deployment.class::isInstance)
              .map(Deployment.class::cast)
              .filter(d -> d.getMetadata().getName().equals("sandbox-manager"))
              .findFirst()
              .orElseThrow();
      assertThat(manager.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
          .anySatisfy(
              e -> {
                assertThat(e.getName()).isEqualTo("E2B_DOMAIN");
                assertThat(e.getValue()).isEqualTo("agents.example.com:8443");
              });
      Ingress ingress =
          built.stream()
              .filter(Ingress.class::isInstance)
              .map(Ingress.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(ingress.getSpec().getRules())
          .extracting(r -> r.getHost())
          .containsExactly("*.agents.example.com", "agents.example.com");
      assertThat(ingress.getSpec().getTls().get(0).getHosts())
          .containsExactly("*.agents.example.com", "agents.example.com");
      HasMetadata secret = secret(built, "sandbox-manager-admin-key");
      assertThat(secret.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
      assertThat(((io.fabric8.kubernetes.api.model.Secret) secret).getData())
          .containsEntry(
              "api-key",
              java.util.Base64.getEncoder()
                  .encodeToString(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      // The sandbox key reaches both services from the generated Secret.
      HasMetadata sandboxKeySecret = secret(built, "kruise-agents-sandbox-key");
      assertThat(sandboxKeySecret.getMetadata().getNamespace()).isEqualTo(Rendered.NS);
      // kustomize folds long base64 values over lines: compare decoded.
      assertThat(
              new String(
                  java.util.Base64.getMimeDecoder()
                      .decode(
                          ((io.fabric8.kubernetes.api.model.Secret) sandboxKeySecret)
                              .getData()
                              .get("sandbox-key")),
                  java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(sandboxKey);
      for (Deployment d :
          built.stream()
              .filter(Deployment.class::isInstance)
              .map(Deployment.class::cast)
              .toList()) {
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
            .as(d.getMetadata().getName())
            .anySatisfy(
                e -> {
                  assertThat(e.getName()).isEqualTo("KRUISE_SANDBOX_KEY");
                  assertThat(e.getValueFrom().getSecretKeyRef().getName())
                      .isEqualTo("kruise-agents-sandbox-key");
                });
      }
      // The settings ConfigMap is local-config: never applied.
      assertThat(built).noneMatch(o -> o.getMetadata().getName().equals("e2b-settings"));
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The Secret {@code name} among {@code objects}. */
  private static HasMetadata secret(List<HasMetadata> objects, String name) {
    return objects.stream()
        .filter(o -> o.getKind().equals("Secret"))
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String kustomizeBuild(Path dir) throws Exception {
    String kustomize =
        run(List.of(Rendered.DEPLOY.resolve("bin/install-kustomize").toString())).strip();
    return run(List.of(kustomize, "build", dir.toString()));
  }

  /** Runs a command; stdout on success, the command's stderr in the failure otherwise. */
  private static String run(List<String> command) throws Exception {
    Path err = Files.createTempFile("cmd", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES))
          .as("%s ends", command)
          .isTrue();
      assertThat(p.exitValue()).as("%s: %s", command, Files.readString(err)).isZero();
      return out;
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
