package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ProbeTargetTest {
  private final Container container =
      new ContainerBuilder()
          .withName("main")
          .addNewPort()
          .withName("envd")
          .withContainerPort(49983)
          .endPort()
          .build();

  @Test
  void httpGetDefaultsToPodIpAndRootPath() {
    Probe p =
        new ProbeBuilder().withNewHttpGet().withPort(new IntOrString(49999)).endHttpGet().build();
    ProbeTarget t = ProbeTarget.resolve(p, container, "127.1.0.9");
    assertThat(t.kind()).isEqualTo(ProbeTarget.Kind.HTTP);
    assertThat(t.host()).isEqualTo("127.1.0.9");
    assertThat(t.port()).isEqualTo(49999);
    assertThat(t.path()).isEqualTo("/");
    assertThat(t.scheme()).isEqualTo("http");
    assertThat(t.problem()).isNull();
  }

  @Test
  void namedPortsResolveThroughTheContainer() {
    Probe p =
        new ProbeBuilder()
            .withNewHttpGet()
            .withPath("health")
            .withPort(new IntOrString("envd"))
            .withScheme("HTTPS")
            .addNewHttpHeader("X-A", "b")
            .endHttpGet()
            .build();
    ProbeTarget t = ProbeTarget.resolve(p, container, "127.1.0.9");
    assertThat(t.port()).isEqualTo(49983);
    assertThat(t.path()).isEqualTo("/health");
    assertThat(t.scheme()).isEqualTo("https");
    assertThat(t.headers()).containsEntry("X-A", "b");
  }

  @Test
  void unknownPortNameIsAProblemNotACrash() {
    Probe p =
        new ProbeBuilder()
            .withNewTcpSocket()
            .withPort(new IntOrString("nope"))
            .endTcpSocket()
            .build();
    ProbeTarget t = ProbeTarget.resolve(p, container, "127.1.0.9");
    assertThat(t.kind()).isEqualTo(ProbeTarget.Kind.TCP);
    assertThat(t.port()).isEqualTo(-1);
    assertThat(t.problem()).contains("nope");
  }

  @Test
  void execProbesAreAssumedToPass() {
    Probe p = new ProbeBuilder().withNewExec().withCommand("true").endExec().build();
    assertThat(ProbeTarget.resolve(p, container, "127.1.0.9").kind())
        .isEqualTo(ProbeTarget.Kind.ASSUMED_PASSING);
  }
}
