package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ImageProcessTest {

  @Test
  void repositoryDropsRegistryTagAndDigest() {
    assertThat(ImageProcess.repository("openkruise/kruise-agents-sandbox-manager"))
        .isEqualTo("openkruise/kruise-agents-sandbox-manager");
    assertThat(ImageProcess.repository("docker.io/openkruise/kruise-agents-sandbox-manager:0.1.0"))
        .isEqualTo("openkruise/kruise-agents-sandbox-manager");
    assertThat(ImageProcess.repository("registry.example:5000/example/shell:1.0"))
        .isEqualTo("example/shell");
    assertThat(ImageProcess.repository("localhost/example/shell@sha256:abc"))
        .isEqualTo("example/shell");
    assertThat(ImageProcess.repository("busybox:1.36")).isEqualTo("busybox");
    assertThat(ImageProcess.repository("library/busybox")).isEqualTo("library/busybox");
  }
}
