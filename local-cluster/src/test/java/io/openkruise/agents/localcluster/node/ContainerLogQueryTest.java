package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ContainerLogQueryTest {

  static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  static final Instant FILE = Instant.parse("2026-12-01T09:00:00Z");
  static final String LOG =
      "2026-12-01T08:00:00Z agent-runtime listening\n"
          + "plain output\n"
          + "2026-12-01T09:30:00.5Z later\n";

  private static String answer(Map<String, String> params) {
    return new String(
        ContainerLogQuery.parse(params, NOW).answer(ContainerLogQuery.lines(LOG, FILE)),
        StandardCharsets.UTF_8);
  }

  @Test
  void unstampedLinesTakeTheTimeOfTheLineBeforeOrTheFilesTime() {
    var lines = ContainerLogQuery.lines("first\n" + LOG, FILE);
    assertThat(lines)
        .extracting(ContainerLogQuery.Line::time)
        .containsExactly(
            FILE,
            Instant.parse("2026-12-01T08:00:00Z"),
            Instant.parse("2026-12-01T08:00:00Z"),
            Instant.parse("2026-12-01T09:30:00.5Z"));
    assertThat(lines.get(1).text()).isEqualTo("agent-runtime listening");
  }

  @Test
  void withoutTimestampsTheTextOnly() {
    assertThat(answer(Map.of())).isEqualTo("agent-runtime listening\nplain output\nlater\n");
  }

  @Test
  void timestampsPrefixEveryLine() {
    assertThat(answer(Map.of("timestamps", "true")))
        .isEqualTo(
            "2026-12-01T08:00:00Z agent-runtime listening\n"
                + "2026-12-01T08:00:00Z plain output\n"
                + "2026-12-01T09:30:00.500Z later\n");
  }

  @Test
  void sinceTailAndLimitSelectAsAKubelet() {
    assertThat(answer(Map.of("sinceTime", "2026-12-01T09:00:00Z"))).isEqualTo("later\n");
    assertThat(answer(Map.of("sinceSeconds", "3600"))).isEqualTo("later\n");
    assertThat(answer(Map.of("tailLines", "2"))).isEqualTo("plain output\nlater\n");
    assertThat(answer(Map.of("tailLines", "0"))).isEmpty();
    assertThat(answer(Map.of("limitBytes", "5"))).isEqualTo("agent");
  }

  @Test
  void badParametersAreNamed() {
    assertThatThrownBy(() -> answer(Map.of("sinceTime", "yesterday")))
        .hasMessageContaining("sinceTime");
    assertThatThrownBy(() -> answer(Map.of("tailLines", "-1"))).hasMessageContaining("tailLines");
    assertThatThrownBy(() -> answer(Map.of("limitBytes", "0"))).hasMessageContaining("limitBytes");
    assertThatThrownBy(() -> answer(Map.of("sinceSeconds", "x")))
        .hasMessageContaining("sinceSeconds");
  }
}
