package io.openkruise.agents.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The images the build names (root pom: image.registry, image.repository.prefix, image.tag) are the
 * ones the chart's defaults and the example SandboxSet pull, so a default install finds them.
 */
@io.openkruise.agents.testing.tier.UnitTier
class ImageNamesTest {
  private static final String REGISTRY = System.getProperty("image.registry");
  private static final String PREFIX = System.getProperty("image.repository.prefix");
  private static final String TAG = System.getProperty("image.tag");

  @Test
  void chartDeploymentsUseTheBuiltImageNames() {
    Rendered r = Rendered.render("kruise-agents", Map.of());
    assertThat(image(r, "sandbox-manager"))
        .isEqualTo(REGISTRY + "/" + PREFIX + "-sandbox-manager:" + TAG);
    assertThat(image(r, "sandbox-controller-manager"))
        .isEqualTo(REGISTRY + "/" + PREFIX + "-controller-manager:" + TAG);
  }

  @Test
  void chartAppVersionIsTheImageTag() throws IOException {
    assertThat(Files.readString(Rendered.CHART.resolve("Chart.yaml")))
        .containsPattern("(?m)^appVersion: \"?" + TAG.replace(".", "\\.") + "\"?$");
  }

  @Test
  void agentRuntimeRepositoryAndExampleMatchTheBuild() throws IOException {
    assertThat(Files.readString(Rendered.CHART.resolve("values.yaml")))
        .contains("repository: " + PREFIX + "-agent-runtime");
    assertThat(
            Files.readString(Rendered.DEPLOY.resolve("examples/sandboxset-code-interpreter.yaml")))
        .contains("image: " + PREFIX + "-agent-runtime:" + TAG);
  }

  private static String image(Rendered r, String deployment) {
    return r.one(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getImage();
  }
}
