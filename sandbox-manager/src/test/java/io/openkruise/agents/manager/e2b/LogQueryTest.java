package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class LogQueryTest {

  private static final String LOG =
      "1970-01-01T00:00:01Z first\n"
          + "1970-01-01T00:00:02.500Z second line\n"
          + "continued without a timestamp\n"
          + "1970-01-01T00:00:04Z fourth\n";

  private static List<String> texts(List<LogQuery.Line> lines) {
    return lines.stream().map(LogQuery.Line::text).toList();
  }

  @Test
  void linesCarryTheirTimestamps() {
    List<LogQuery.Line> lines = LogQuery.parse(LOG);
    assertThat(texts(lines))
        .containsExactly("first", "second line", "continued without a timestamp", "fourth");
    assertThat(lines.get(2).timestamp()).isEqualTo(lines.get(1).timestamp());
    assertThat(LogQuery.parse("")).isEmpty();
  }

  @Test
  void v1StartsAtStartAndLimits() {
    List<LogQuery.Line> lines = LogQuery.parse(LOG);
    assertThat(texts(LogQuery.v1("2000", null).select(lines)))
        .containsExactly("second line", "continued without a timestamp", "fourth");
    assertThat(texts(LogQuery.v1(null, "1").select(lines))).containsExactly("first");
    Map<String, Object> body = LogQuery.v1Body(LogQuery.v1("4000", null).select(lines));
    assertThat(body).containsOnlyKeys("logs", "logEntries");
    assertThat(body.get("logs"))
        .isEqualTo(List.of(Map.of("timestamp", "1970-01-01T00:00:04Z", "line", "fourth")));
    assertThat(body.get("logEntries"))
        .isEqualTo(
            List.of(
                Map.of(
                    "timestamp",
                    "1970-01-01T00:00:04Z",
                    "level",
                    "info",
                    "message",
                    "fourth",
                    "fields",
                    Map.of())));
  }

  @Test
  void v2DirectionsLevelAndSearch() {
    List<LogQuery.Line> lines = LogQuery.parse(LOG);
    assertThat(texts(LogQuery.v2("3000", "2", "backward", null, null).select(lines)))
        .containsExactly("second line", "continued without a timestamp");
    assertThat(texts(LogQuery.v2(null, null, "forward", "info", "line").select(lines)))
        .containsExactly("second line");
    assertThat(LogQuery.v2(null, null, null, "error", null).select(lines)).isEmpty();
    assertThat(LogQuery.v2Body(List.of())).isEqualTo(Map.of("logs", List.of()));
    for (String[] bad :
        new String[][] {
          {"x", null, null, null},
          {null, "1001", null, null},
          {null, null, "up", null},
          {null, null, null, "fatal"},
          {"-5", null, null, null}
        }) {
      assertThatThrownBy(() -> LogQuery.v2(bad[0], bad[1], bad[2], bad[3], null))
          .isInstanceOf(E2bException.class);
    }
  }
}
