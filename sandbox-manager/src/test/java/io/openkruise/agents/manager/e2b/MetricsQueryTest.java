package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class MetricsQueryTest {

  @Test
  void rangeDefaultsToTheSandboxStartAndNowAndNeverReachesBeforeStart() {
    Instant started = Instant.ofEpochSecond(1_000);
    Instant now = Instant.ofEpochSecond(2_000);
    assertThat(MetricsQuery.range(null, null).resolve(started, now))
        .isEqualTo(new MetricsQuery.Range(Optional.of(1_000L), Optional.of(2_000L)));
    assertThat(MetricsQuery.range("500", "1500").resolve(started, now))
        .isEqualTo(new MetricsQuery.Range(Optional.of(1_000L), Optional.of(1_500L)));
    assertThat(MetricsQuery.range("1200", "").resolve(started, now))
        .isEqualTo(new MetricsQuery.Range(Optional.of(1_200L), Optional.of(2_000L)));
  }

  @Test
  void millisecondsFromOldSdksAreSeconds() {
    assertThat(MetricsQuery.range("1700000000123", "1700000060000"))
        .isEqualTo(
            new MetricsQuery.Range(Optional.of(1_700_000_000L), Optional.of(1_700_000_060L)));
  }

  @Test
  void badRangesAre400() {
    for (String[] bad :
        new String[][] {{"yesterday", null}, {null, "1.5"}, {"-1", null}, {"200", "100"}}) {
      assertThatThrownBy(() -> MetricsQuery.range(bad[0], bad[1]))
          .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
  }

  @Test
  void sandboxIdsTakeCommaListsAndRepeatsUpToTheLimit() {
    assertThat(MetricsQuery.sandboxIds(List.of("a,b", "c", "a", " ,d ")))
        .containsExactly("a", "b", "c", "d");
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= MetricsQuery.MAX_IDS; i++) {
      many.add("x" + i);
    }
    for (List<String> bad :
        List.of(List.<String>of(), List.of(""), List.of(" , "), List.of(String.join(",", many)))) {
      assertThatThrownBy(() -> MetricsQuery.sandboxIds(bad))
          .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
    assertThatThrownBy(() -> MetricsQuery.sandboxIds(null)).isInstanceOf(E2bException.class);
  }

  @Test
  void runtimeSampleBecomesE2bSandboxMetric() throws Exception {
    var sample =
        new ObjectMapper()
            .readTree(
                "{\"ts\":1700000000,\"ts_ms\":1700000000250,\"cpu_count\":2,\"cpu_used_pct\":12.5,"
                    + "\"mem_used\":100,\"mem_total\":1000,\"mem_cache\":50,\"disk_used\":7,"
                    + "\"disk_total\":70}");
    Map<String, Object> m = MetricsView.metric(sample);
    assertThat(m)
        .containsExactly(
            Map.entry("timestamp", "2023-11-14T22:13:20.250Z"),
            Map.entry("timestampUnix", 1_700_000_000L),
            Map.entry("cpuCount", 2),
            Map.entry("cpuUsedPct", 12.5),
            Map.entry("memUsed", 100L),
            Map.entry("memTotal", 1000L),
            Map.entry("memCache", 50L),
            Map.entry("diskUsed", 7L),
            Map.entry("diskTotal", 70L));
  }
}
