package io.openkruise.agents.localcluster.realnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class ImageImporterTest {

  @Test
  void readsTheReferencesOfADockerSaveManifest() {
    String manifest =
        "[{\"Config\":\"config.json\",\"RepoTags\":"
            + "[\"docker.io/openkruise/kruise-agents-sandbox-manager:0.1.0\"],"
            + "\"Layers\":[\"a.tar.gz\"]},"
            + "{\"Config\":\"c2.json\",\"RepoTags\":[\"kruise-agents-base-runtime:local\"]}]";
    assertThat(ImageImporter.repoTagsOf(manifest))
        .containsExactly(
            "docker.io/openkruise/kruise-agents-sandbox-manager:0.1.0",
            "kruise-agents-base-runtime:local");
  }

  @Test
  void aMissingJibTarNamesTheBuildThatWritesIt(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("controller-manager/target"));
    Files.writeString(root.resolve("controller-manager/target/jib-image.tar"), "x");
    assertThatThrownBy(() -> ImageImporter.appImageTars(root))
        .hasMessageContaining("sandbox-manager/target/jib-image.tar is missing")
        .hasMessageContaining("-am package");
  }

  @Test
  void aRealNodeClusterKeepsServiceAccountTokensAndAddsItsControllersOnce() {
    LocalKubernetes.Options sim = LocalKubernetes.Options.defaults();
    assertThat(sim.podServiceAccounts()).isFalse();
    LocalKubernetes.Options real = sim.forRealNode().forRealNode();
    assertThat(real.podServiceAccounts()).isTrue();
    assertThat(real.controllers())
        .containsAll(LocalKubernetes.DEFAULT_CONTROLLERS)
        .containsAll(LocalKubernetes.REAL_NODE_CONTROLLERS)
        .doesNotHaveDuplicates();
    // Options derived after forRealNode keep it.
    assertThat(real.withTempParent(Path.of("/tmp")).podServiceAccounts()).isTrue();
  }
}
