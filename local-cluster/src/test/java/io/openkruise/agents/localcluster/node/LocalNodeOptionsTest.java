package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class LocalNodeOptionsTest {

  @Test
  void theOptionsBuilderKeepsTheDefaultsItDoesNotSet() {
    LocalNodeOptions d = LocalNodeOptions.defaults(Path.of("/tmp/n"));
    LocalNodeOptions b =
        LocalNodeOptions.builder(Path.of("/tmp/n")).nodeNames(List.of("a", "b")).build();

    assertThat(d.nodeNames()).containsExactly("local-node-0");
    assertThat(d.assumeUnservedPortsReady()).isFalse();
    assertThat(d.imageProcesses()).isEmpty();
    assertThat(b.nodeNames()).containsExactly("a", "b");
    assertThat(b.workDir()).isEqualTo(d.workDir());
    assertThat(b.assumeUnservedPortsReady()).isFalse();
  }
}
